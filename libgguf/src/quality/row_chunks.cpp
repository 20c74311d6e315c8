#include "row_chunks.h"

#include <algorithm>

#include "gguf/quality/row_sample.h"

namespace gguf::detail {
namespace {

class ChunkCutter {
public:
    ChunkCutter(std::vector<RowChunk>& out, size_t tensor, uint64_t rows_per_matrix, uint64_t chunk_rows)
        : out_(out), tensor_(tensor), rows_per_matrix_(rows_per_matrix), chunk_rows_(chunk_rows), first_chunk_(out.size()) {}

    void add(uint64_t first, uint64_t count) {
        while (count > 0) {
            if (out_.size() == first_chunk_ || out_.back().rows == chunk_rows_) out_.push_back({tensor_, {}, 0});
            RowChunk& c = out_.back();
            const uint64_t matrix_end = (first / rows_per_matrix_ + 1) * rows_per_matrix_;
            const uint64_t n = std::min({count, matrix_end - first, chunk_rows_ - c.rows});
            // A run continues only inside one matrix: each matrix has its own weights.
            const bool continues = !c.runs.empty() && c.runs.back().first + c.runs.back().count == first && first % rows_per_matrix_ != 0;
            if (continues) c.runs.back().count += n;
            else c.runs.push_back({first, n});
            c.rows += n;
            first += n;
            count -= n;
        }
    }

private:
    std::vector<RowChunk>& out_;
    size_t tensor_;
    uint64_t rows_per_matrix_;
    uint64_t chunk_rows_;
    size_t first_chunk_;
};

}  // namespace

void append_row_chunks(std::vector<RowChunk>& out, size_t tensor, uint64_t rows, uint64_t rows_per_matrix, uint64_t sample,
                       uint64_t chunk_rows) {
    ChunkCutter cutter(out, tensor, std::max<uint64_t>(rows_per_matrix, 1), std::max<uint64_t>(chunk_rows, 1));
    // Every row without listing them: a sample of all rows is the same rows in the same chunks.
    if (sample == 0 || sample >= rows) {
        cutter.add(0, rows);
        return;
    }
    for (uint64_t row : sampled_rows(rows, sample)) cutter.add(row, 1);
}

}  // namespace gguf::detail
