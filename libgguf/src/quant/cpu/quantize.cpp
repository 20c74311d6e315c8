#include "gguf/quant/cpu/quantize.h"

#include <array>
#include <string>

#include "cpu_features.h"
#include "gguf/format/tensor_info.h"
#include "kernels.h"

namespace gguf {
namespace {

const quant::Kernels* find_kernels(TensorType type) {
    for (auto family : {quant::float_kernels(), quant::legacy_kernels(), quant::k_quant_kernels(), quant::i_quant_kernels(),
                        quant::ternary_fp4_kernels(), quant::ik_trellis_kernels(), quant::ik_interleaved_kernels(),
                        quant::ik_quant_kernels(), quant::ik_quant_r4_kernels()}) {
        for (const auto& k : family) {
            if (k.type == type) return &k;
        }
    }
    return nullptr;
}

std::string name_of(TensorType type) { return std::string(type_display_name(type)); }

// The quantizer `release`'s ggml runs for the kernels' type.
quant::QuantizeRow quantizer_for(const quant::Kernels& k, LlamaRelease release) {
    if (k.type == TensorType::IQ1_M) return quant::iq1_m_quantizer(rules_of(release).iq1m_split_score);
    return k.quantize;
}

}  // namespace

bool can_quantize(TensorType type) {
    const auto* k = find_kernels(type);
    return k && k->quantize;
}

bool can_dequantize(TensorType type) {
    const auto* k = find_kernels(type);
    return k && (k->dequantize || k->dequantize_tensor_rows);
}

std::string_view dequantize_refusal(TensorType type) {
    if (can_dequantize(type)) return {};
    // ik's dequantize_row_mxfp4_r8 takes its 8-row group's block count from
    // all 8 rows' values, so for each row it decodes 8 times the group's
    // blocks, reading and writing past the group.
    if (type == TensorType::MXFP4_R8) return "ik_llama.cpp's own dequantizer for it reads and writes past each group of 8 rows, so it has no defined floats";
    return "gguf-mtp cannot read it as floats yet";
}

std::string dequantize_refusal(TensorType type, uint64_t row_length) {
    if (!can_dequantize(type)) return std::string(dequantize_refusal(type));
    const auto* k = find_kernels(type);
    if (k->row_multiple == 0 || row_length % k->row_multiple == 0) return {};
    return "rows of " + std::to_string(row_length) + " values cut its " + std::to_string(k->row_multiple) +
           "-value blocks, which run on across rows";
}

uint64_t dequantize_group_rows(TensorType type) {
    const auto* k = find_kernels(type);
    return k ? static_cast<uint64_t>(k->rows_per_call) : 1;
}

bool requires_importance(TensorType type) {
    const auto* k = find_kernels(type);
    return k && k->requires_importance;
}

std::string_view simd_path() {
    switch (quant::simd_level()) {
        case quant::Simd::scalar: return "scalar";
        case quant::Simd::avx2: return "avx2";
        case quant::Simd::avx512: return "avx512";
    }
    return "scalar";
}

Status quantize_rows(TensorType type, std::span<const float> src, uint64_t row_length, std::span<const float> importance,
                     std::span<uint8_t> dst, LlamaRelease release) {
    const auto* k = find_kernels(type);
    if (!k || !k->quantize) return fail(ErrorCode::unsupported, "", "gguf-mtp cannot quantize to " + name_of(type));
    auto row = row_bytes(type, row_length);
    if (!row) return std::unexpected(row.error());
    if (row_length == 0 || src.size() % row_length != 0) {
        return fail(ErrorCode::invalid_argument, "", std::to_string(src.size()) + " floats are not whole rows of " + std::to_string(row_length));
    }
    const uint64_t rows = src.size() / row_length;
    if (dst.size() != rows * *row) {
        return fail(ErrorCode::invalid_argument, "", "output holds " + std::to_string(dst.size()) + " bytes, " + std::to_string(rows) +
                                                         " rows of " + name_of(type) + " need " + std::to_string(rows * *row));
    }
    if (!importance.empty() && importance.size() != row_length) {
        return fail(ErrorCode::invalid_argument, "", "importance weights have " + std::to_string(importance.size()) +
                                                         " entries, rows have " + std::to_string(row_length));
    }
    if (importance.empty() && k->requires_importance) {
        return fail(ErrorCode::invalid_argument, "", name_of(type) + " needs importance weights (an imatrix entry)");
    }
    const float* weights = importance.empty() ? nullptr : importance.data();
    const quant::QuantizeRow quantize = quantizer_for(*k, release);
    for (uint64_t r = 0; r < rows; ++r) {
        quantize(src.data() + r * row_length, dst.data() + r * *row, static_cast<int64_t>(row_length), weights);
    }
    return {};
}

Status dequantize_rows(TensorType type, std::span<const uint8_t> src, uint64_t row_length, std::span<float> dst,
                       std::span<const uint8_t> tensor_trailer) {
    const auto* k = find_kernels(type);
    if (const auto refusal = dequantize_refusal(type, row_length); !refusal.empty()) {
        return fail(ErrorCode::unsupported, "", name_of(type) + ": " + refusal);
    }
    auto row = row_bytes(type, row_length);
    if (!row) return std::unexpected(row.error());
    if (row_length == 0 || dst.size() % row_length != 0 || src.size() != dst.size() / row_length * *row) {
        return fail(ErrorCode::invalid_argument, "", "sizes do not agree: " + std::to_string(src.size()) + " bytes of " + name_of(type) +
                                                         " into " + std::to_string(dst.size()) + " floats");
    }
    if (tensor_trailer.size() != tensor_trailer_bytes(type)) {
        return fail(ErrorCode::invalid_argument, "", name_of(type) + " rows need the " + std::to_string(tensor_trailer_bytes(type)) +
                                                         " bytes after their tensor's last row, got " +
                                                         std::to_string(tensor_trailer.size()));
    }
    if (k->dequantize_tensor_rows) return k->dequantize_tensor_rows(src, row_length, dst, tensor_trailer);
    const uint64_t rows = dst.size() / row_length;
    const uint64_t group = static_cast<uint64_t>(k->rows_per_call);
    if (rows % group != 0) {
        return fail(ErrorCode::invalid_argument, "", name_of(type) + " stores rows in groups of " + std::to_string(group) + ", " +
                                                         std::to_string(rows) + " rows are not whole groups");
    }
    for (uint64_t r = 0; r < rows; r += group) {
        k->dequantize(src.data() + r * *row, dst.data() + r * row_length, static_cast<int64_t>(group * row_length));
    }
    return {};
}

}  // namespace gguf
