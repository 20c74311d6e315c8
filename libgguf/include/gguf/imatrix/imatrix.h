// Importance matrices, as llama-imatrix writes them and llama-quantize reads
// them: the GGUF format (general.type "imatrix"; per tensor `<name>.in_sum2`,
// F32 [row, matrices], and `<name>.counts`, F32 [1, matrices]; keys
// imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size) and the legacy
// .dat format (entries of name, call count and values, then an optional
// chunk count and dataset name). Every count and length is checked against
// the bytes present; a broken file is an error naming the entry.
//
// Thread safety: functions of their arguments; an Imatrix is a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/plan/writer.h"

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

// Writes `imatrix` in its own form: GGUF as llama-imatrix writes it (keys
// general.type, imatrix.datasets, .chunk_count, .chunk_size; entries sorted
// by name, in_sum2 then counts), or .dat when `imatrix.legacy`. Only
// options.output, .overwrite and .inputs apply; the file appears only when
// complete.
Status write_imatrix(const Imatrix& imatrix, const WriteOptions& options);

// The same imatrix in the other form, with Imatrix::weights() bit for bit
// unchanged for every entry, so quantizing with either gives the same bytes.
// Counts follow llama-imatrix's meaning (tokens in GGUF, chunks of
// `chunk_size` tokens in .dat); where that count cannot give every weight
// exactly, the entry's count is the nearest power of two (scaling by it is
// exact; 1 where even that overflows). A .dat call count of 0 with values
// other than 1 becomes a count of 1 (GGUF's 0 would mean weights of 1).
// What .dat cannot hold is dropped: per-expert counts (one call count per
// entry) and all datasets but the last (as llama-imatrix keeps). An entry
// with no data at all is kept (as weights of 1), not dropped as
// llama-imatrix does, since dropping it would change quantization.
Result<Imatrix> to_legacy_imatrix(const Imatrix& imatrix, int32_t chunk_size);
Result<Imatrix> to_gguf_imatrix(const Imatrix& imatrix, int32_t chunk_size);

// llama-imatrix's combination of several --in-file inputs, in order: GGUF
// sums and counts add up per entry (a single count spreads over the experts
// of a per-expert entry), .dat entries count as their values and call
// count times `chunk_size` (llama-imatrix's --ctx-size); datasets are
// concatenated and the chunk count is the largest count over `chunk_size`.
// `names` (one per input) name the input in errors. The result is in GGUF
// form.
Result<Imatrix> merge_imatrices(std::span<const Imatrix> inputs, std::span<const std::string> names, int32_t chunk_size);

}  // namespace gguf
