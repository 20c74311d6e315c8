// The rows of one tensor that compare measures, cut into chunks: runs of
// consecutive rows within one matrix (expert), at most a fixed number of
// rows per chunk. The cut depends only on the tensor's shape and the sample
// asked for, never on the thread count, so sums merged in chunk order are
// the same however the chunks were spread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gguf::detail {

struct RowRun {
    uint64_t first = 0;
    uint64_t count = 0;
};

struct RowChunk {
    size_t tensor = 0;  // the caller's index of the tensor
    std::vector<RowRun> runs;
    uint64_t rows = 0;
};

// Appends the chunks of `tensor` (`rows` rows, matrices of
// `rows_per_matrix`) to `out`: every row, or `sample` rows chosen by
// sampled_rows, at most `chunk_rows` per chunk.
void append_row_chunks(std::vector<RowChunk>& out, size_t tensor, uint64_t rows, uint64_t rows_per_matrix, uint64_t sample,
                       uint64_t chunk_rows);

}  // namespace gguf::detail
