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
    TensorChunks t(source);
    const TensorInfo& info = t.info();
    t.row_length_ = info.ne[0];
    t.rows_ = info.n_elements() / std::max<uint64_t>(t.row_length_, 1);
    t.rows_per_matrix_ = std::max<uint64_t>(info.ne[1], 1);
    auto in_row = row_bytes(info.type, t.row_length_);
    auto out_row = row_bytes(source.target, t.row_length_);
    if (!in_row) return std::unexpected(in_row.error());
    if (!out_row) return std::unexpected(out_row.error());
    t.in_row_ = *in_row, t.out_row_ = *out_row;
    t.row_group_ = dequantize_group_rows(info.type);
    if (t.rows_per_matrix_ % t.row_group_ != 0) {
        return fail(ErrorCode::bad_format, "", "'" + info.name + "' has " + std::to_string(t.rows_per_matrix_) + " rows of " +
                                                   type_label(info.type) + ", not whole groups of " +
                                                   std::to_string(t.row_group_) + " interleaved rows");
    }
    auto trailer = source.input.file->read_tensor_trailer(source.input.tensor_index);
    if (!trailer) return std::unexpected(trailer.error());
    t.trailer_ = std::move(*trailer);
    const auto& importance = source.importance;
    if (!importance.empty() && importance.size() % t.row_length_ != 0) {
        return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' have " + std::to_string(importance.size()) +
                                                 " values, not a multiple of its row length " + std::to_string(t.row_length_));
    }
    t.matrices_weighted_ = importance.size() / std::max<uint64_t>(t.row_length_, 1);
    if (t.matrices_weighted_ > 1 && t.matrices_weighted_ * t.rows_per_matrix_ != t.rows_) {
        return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' cover " + std::to_string(t.matrices_weighted_) +
                                                 " matrices, the tensor has " + std::to_string(t.rows_ / t.rows_per_matrix_));
    }
    t.cut(source.chunk_bytes / std::max<uint64_t>(t.row_length_ * 4, 1));
    return t;
}

const TensorInfo& TensorChunks::info() const { return source_->input.file->tensors()[source_->input.tensor_index]; }

void TensorChunks::cut(uint64_t chunk_rows) {
    chunk_rows_ = std::clamp<uint64_t>(chunk_rows / row_group_ * row_group_, row_group_, rows_per_matrix_);
    chunks_.clear();
    for (uint64_t row = 0; row < rows_;) {
        const uint64_t matrix_end = (row / rows_per_matrix_ + 1) * rows_per_matrix_;
        chunks_.push_back({row, std::min(chunk_rows_, matrix_end - row)});
        row += chunks_.back().rows;
    }
}

std::span<const float> TensorChunks::weights_for(const ChunkRange& c) const {
    if (matrices_weighted_ == 0) return {};
    const uint64_t m = matrices_weighted_ == 1 ? 0 : c.row / rows_per_matrix_;
    return std::span(source_->importance).subspan(m * row_length_, row_length_);
}

Result<LoadedChunk> TensorChunks::load(ThreadPool& pool, const ChunkRange& c, std::span<float> floats, bool scan_subnormal,
                                       bool staging) const {
    GGUF_MTP_EXPECT(floats.size() >= c.rows * row_length_, "room for the chunk's floats");
    const GgufFile& input = *source_->input.file;
    const size_t index = source_->input.tensor_index;
    const TensorType stored = info().type;
    const bool allow_non_finite = source_->allow_non_finite;
    std::vector<Result<LoadedChunk>> results(pool.size(), LoadedChunk{});
    const uint64_t g = row_group_;
    const uint64_t piece_rows = staging ? std::max<uint64_t>(1, kLoadPieceFloats / row_length_ / g) * g : c.rows;
    pool.run_ranges(c.rows / g, [&](size_t p, uint64_t first_group, uint64_t groups) {
        const uint64_t first = first_group * g, count = groups * g;
        std::vector<float> buffer;
        std::vector<uint8_t> raw;
        for (uint64_t row = first; row < first + count; row += piece_rows) {
            const uint64_t n = std::min(piece_rows, first + count - row);
            auto values = floats.subspan(row * row_length_, n * row_length_);
            if (staging) {
                buffer.resize(values.size());
                values = buffer;
            }
            const uint64_t at = (c.row + row) * in_row_;
            Status status;
            if (stored == TensorType::F32) {  // the floats as they are: read them in place
                status = input.read_tensor_data(index, at, std::span(reinterpret_cast<uint8_t*>(values.data()), n * in_row_));
            } else {
                raw.resize(n * in_row_);
                status = input.read_tensor_data(index, at, raw);
                if (status) status = dequantize_rows(stored, raw, row_length_, values, trailer_);
            }
            if (status && !allow_non_finite) status = check_finite(values, row_length_, c.row + row);
            if (!status) {
                results[p] = std::unexpected(status.error());
                return;
            }
            LoadedChunk& loaded = *results[p];
            if (allow_non_finite) loaded.finite = loaded.finite && std::ranges::all_of(values, [](float v) { return std::isfinite(v); });
            if (scan_subnormal) loaded.near_subnormal = loaded.near_subnormal || near_subnormal(values);
            if (staging) std::memcpy(floats.data() + row * row_length_, values.data(), values.size() * sizeof(float));
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
    GGUF_MTP_EXPECT(bytes.size() >= c.rows * in_row_, "room for the chunk's stored rows");
    const GgufFile& input = *source_->input.file;
    std::vector<Status> read(pool.size());
    pool.run_ranges(c.rows, [&](size_t p, uint64_t first, uint64_t count) {
        read[p] = input.read_tensor_data(source_->input.tensor_index, (c.row + first) * in_row_,
                                         bytes.subspan(first * in_row_, count * in_row_));
    });
    for (auto& r : read) {
        if (!r) return r;
    }
    return {};
}

Status TensorChunks::quantize_on_cpu(ThreadPool& pool, const ChunkRange& c, std::span<const float> floats,
                                     std::span<uint8_t> out) const {
    GGUF_MTP_EXPECT(floats.size() >= c.rows * row_length_ && out.size() == c.rows * out_row_, "a chunk's floats in, its bytes out");
    const auto weights = weights_for(c);
    std::vector<Status> results(pool.size());
    pool.run_ranges(c.rows, [&](size_t r, uint64_t first, uint64_t count) {
        results[r] = quantize_rows(source_->target, floats.subspan(first * row_length_, count * row_length_), row_length_, weights,
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
