// Importance matrices, as llama-imatrix writes them and llama-quantize reads
// them: the GGUF format (general.type "imatrix"; per tensor `<name>.in_sum2`,
// F32 [row, matrices], and `<name>.counts`, F32 [1, matrices]; keys
// imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size) and the legacy
// .dat format (entries of name, call count and values, then an optional
// chunk count and dataset name). Every count and length is checked against
// the bytes present; a broken file is an error naming the entry.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gguf/error.h"

namespace gguf {

struct ImatrixEntry {
    std::vector<float> sums;      // matrices x row values
    std::vector<int64_t> counts;  // one per matrix (expert); legacy: the call count
};

struct Imatrix {
    std::map<std::string, ImatrixEntry> entries;  // by tensor name
    std::vector<std::string> datasets;
    int32_t chunk_count = 0;
    int32_t chunk_size = 0;
    bool legacy = false;        // read from the .dat format
    bool has_metadata = false;  // GGUF: the three imatrix.* keys were present

    // The importance weights llama-quantize derives for `tensor`: per matrix,
    // sums / count (1 where the count is 0); legacy: sums / call count. Empty
    // when the imatrix has no entry for the tensor.
    std::vector<float> weights(const std::string& tensor) const;
};

// Reads either format (GGUF is recognised by its magic).
Result<Imatrix> read_imatrix(const std::string& path);

}  // namespace gguf
