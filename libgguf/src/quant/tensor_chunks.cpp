#include "tensor_chunks.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "../parallel/thread_pool.h"
#include "../programmer_error.h"
#include "gguf/quant/cpu/quantize.h"

namespace gguf::quant {
namespace {

// Floats a loading thread converts and checks at once: small enough to stay
// in its cache on the way to the chunk's memory.
constexpr uint64_t kLoadPieceFloats = 16384;

// The first non-finite value of `rows` as an error, or success.
Status check_finite(std::span<const float> rows, uint64_t row_length, uint64_t first_row) {
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!std::isfinite(rows[i])) {
            return fail(ErrorCode::bad_format, "", "row " + std::to_string(first_row + i / row_length) + " holds " +
                                                       (std::isnan(rows[i]) ? "NaN" : "Inf") +
                                                       ": quantizing it would write garbage",
                        Remedy::allow_non_finite);
        }
    }
    return {};
}

}  // namespace

Result<TensorChunks> TensorChunks::make(const TransformSource& source) {
    const TensorInfo& info = source.input.file->tensors()[source.input.tensor_index];
    const uint64_t row_length = info.ne[0];
    const uint64_t rows_per_matrix = std::max<uint64_t>(info.ne[1], 1);
    auto in_row = row_bytes(info.type, row_length);
    auto out_row = row_bytes(source.target, row_length);
    if (!in_row) return std::unexpected(in_row.error());
    if (!out_row) return std::unexpected(out_row.error());
    const uint64_t group = dequantize_group_rows(info.type);
    if (rows_per_matrix % group != 0) {
        return fail(ErrorCode::bad_format, "", "'" + info.name + "' has " + std::to_string(rows_per_matrix) + " rows of " +
                                                   type_label(info.type) + ", not whole groups of " + std::to_string(group) +
                                                   " interleaved rows");
    }
    auto stored = TensorRowReader::open(*source.input.file, source.input.tensor_index);
    if (!stored) return std::unexpected(stored.error());
    TensorChunks t(source, std::move(*stored));
    t.rows_ = info.n_elements() / std::max<uint64_t>(row_length, 1);
    t.rows_per_matrix_ = rows_per_matrix;
    t.out_row_ = *out_row;
    const auto& importance = source.importance;
    if (!importance.empty() && importance.size() % row_length != 0) {
        return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' have " + std::to_string(importance.size()) +
                                                 " values, not a multiple of its row length " + std::to_string(row_length));
    }
    t.matrices_weighted_ = importance.size() / std::max<uint64_t>(row_length, 1);
    if (t.matrices_weighted_ > 1 && t.matrices_weighted_ * t.rows_per_matrix_ != t.rows_) {
        return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' cover " + std::to_string(t.matrices_weighted_) +
                                                 " matrices, the tensor has " + std::to_string(t.rows_ / t.rows_per_matrix_));
    }
    t.cut(source.chunk_bytes / std::max<uint64_t>(row_length * 4, 1));
    return t;
}

const TensorInfo& TensorChunks::info() const { return source_->input.file->tensors()[source_->input.tensor_index]; }

void TensorChunks::cut(uint64_t chunk_rows) {
    const uint64_t group = stored_.group_rows();
    chunk_rows_ = std::clamp<uint64_t>(chunk_rows / group * group, group, rows_per_matrix_);
    chunks_.clear();
    for (uint64_t row = first_row_; row < rows_;) {
        const uint64_t matrix_end = (row / rows_per_matrix_ + 1) * rows_per_matrix_;
        chunks_.push_back({row, std::min(chunk_rows_, matrix_end - row)});
        row += chunks_.back().rows;
    }
}

void TensorChunks::start_at(uint64_t row) {
    GGUF_MTP_EXPECT(std::any_of(chunks_.begin(), chunks_.end(), [row](const ChunkRange& c) { return c.row == row; }), "a chunk's first row");
    first_row_ = row;
    cut(chunk_rows_);
}

std::span<const float> TensorChunks::weights_for(const ChunkRange& c) const {
    if (matrices_weighted_ == 0) return {};
    const uint64_t m = matrices_weighted_ == 1 ? 0 : c.row / rows_per_matrix_;
    return std::span(source_->importance).subspan(m * row_length(), row_length());
}

Result<LoadedChunk> TensorChunks::load(ThreadPool& pool, const ChunkRange& c, std::span<float> floats, bool scan_subnormal,
                                       bool staging) const {
    const uint64_t length = row_length();
    GGUF_MTP_EXPECT(floats.size() >= c.rows * length, "room for the chunk's floats");
    const bool allow_non_finite = source_->allow_non_finite;
    std::vector<Result<LoadedChunk>> results(pool.size(), LoadedChunk{});
    const uint64_t g = stored_.group_rows();
    const uint64_t piece_rows = staging ? std::max<uint64_t>(1, kLoadPieceFloats / length / g) * g : c.rows;
    pool.run_ranges(c.rows / g, [&](size_t p, uint64_t first_group, uint64_t groups) {
        const uint64_t first = first_group * g, count = groups * g;
        std::vector<float> buffer;
        RowReadBuffers read;
        for (uint64_t row = first; row < first + count; row += piece_rows) {
            const uint64_t n = std::min(piece_rows, first + count - row);
            auto values = floats.subspan(row * length, n * length);
            if (staging) {
                buffer.resize(values.size());
                values = buffer;
            }
            Status status = stored_.read(c.row + row, values, read);
            if (status && !allow_non_finite) status = check_finite(values, length, c.row + row);
            if (!status) {
                results[p] = std::unexpected(status.error());
                return;
            }
            LoadedChunk& loaded = *results[p];
            if (allow_non_finite) loaded.finite = loaded.finite && std::ranges::all_of(values, [](float v) { return std::isfinite(v); });
            if (scan_subnormal) loaded.near_subnormal = loaded.near_subnormal || near_subnormal(values);
            if (staging) std::memcpy(floats.data() + row * length, values.data(), values.size() * sizeof(float));
        }
    });
    LoadedChunk all;
    for (auto& r : results) {
        if (!r) return r;  // the first failing rows, in row order
        all.finite = all.finite && r->finite;
        all.near_subnormal = all.near_subnormal || r->near_subnormal;
    }
    return all;
}

Status TensorChunks::read_stored(ThreadPool& pool, const ChunkRange& c, std::span<uint8_t> bytes) const {
    const uint64_t in_row = in_row_bytes();
    GGUF_MTP_EXPECT(bytes.size() >= c.rows * in_row, "room for the chunk's stored rows");
    const GgufFile& input = *source_->input.file;
    std::vector<Status> read(pool.size());
    pool.run_ranges(c.rows, [&](size_t p, uint64_t first, uint64_t count) {
        read[p] = input.read_tensor_data(source_->input.tensor_index, (c.row + first) * in_row,
                                         bytes.subspan(first * in_row, count * in_row));
    });
    for (auto& r : read) {
        if (!r) return r;
    }
    return {};
}

Status TensorChunks::quantize_on_cpu(ThreadPool& pool, const ChunkRange& c, std::span<const float> floats,
                                     std::span<uint8_t> out) const {
    const uint64_t length = row_length();
    GGUF_MTP_EXPECT(floats.size() >= c.rows * length && out.size() == c.rows * out_row_, "a chunk's floats in, its bytes out");
    const auto weights = weights_for(c);
    std::vector<Status> results(pool.size());
    pool.run_ranges(c.rows, [&](size_t r, uint64_t first, uint64_t count) {
        results[r] = quantize_rows(source_->target, floats.subspan(first * length, count * length), length, weights,
                                   out.subspan(first * out_row_, count * out_row_), source_->release);
    });
    for (auto& r : results) {
        if (!r) return r;
    }
    return {};
}

bool near_subnormal(std::span<const float> values) {
    // Squares and weighted squares of these stay far from the subnormal range.
    constexpr float kLow = 0x1p-30f, kHigh = 0x1p30f;
    for (float v : values) {
        const float a = std::fabs(v);
        if (a != 0.0f && (a < kLow || a > kHigh)) return true;
    }
    return false;
}

}  // namespace gguf::quant
