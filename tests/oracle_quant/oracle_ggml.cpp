#include "oracle_ggml.h"

#include <ggml.h>

namespace oracle_ggml {

gguf::LlamaRelease release() {
    // GGUF_MTP_ORACLE_RELEASE comes from the oracle folder's `release` file
    // (CMakeLists.txt), which setup-oracle.sh checks against the table.
    return *gguf::parse_llama_release(GGUF_MTP_ORACLE_RELEASE);
}

std::vector<uint8_t> quantize(gguf::TensorType type, std::span<const float> src, int64_t row_length,
                              std::span<const float> importance) {
    const auto t = static_cast<ggml_type>(type);
    const int64_t rows = static_cast<int64_t>(src.size()) / row_length;
    std::vector<uint8_t> out(ggml_row_size(t, row_length) * rows);
    ggml_quantize_chunk(t, src.data(), out.data(), 0, rows, row_length, importance.empty() ? nullptr : importance.data());
    return out;
}

std::vector<float> dequantize(gguf::TensorType type, std::span<const uint8_t> src, int64_t row_length, int64_t rows) {
    const auto t = static_cast<ggml_type>(type);
    std::vector<float> out(row_length * rows);
    const size_t row_bytes = ggml_row_size(t, row_length);
    const auto* traits = ggml_get_type_traits(t);
    for (int64_t r = 0; r < rows; ++r) traits->to_float(src.data() + r * row_bytes, out.data() + r * row_length, row_length);
    return out;
}

bool requires_importance(gguf::TensorType type) { return ggml_quantize_requires_imatrix(static_cast<ggml_type>(type)); }

bool validate_row_data(gguf::TensorType type, std::span<const uint8_t> bytes) {
    return ggml_validate_row_data(static_cast<ggml_type>(type), bytes.data(), bytes.size());
}

}  // namespace oracle_ggml
