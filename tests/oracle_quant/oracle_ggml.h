// ggml's reference quantizers and dequantizers, from the oracle's
// libggml-base.so, behind an interface in gguf-mtp's own types.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gguf/compat/llama_release.h"
#include "gguf/format/tensor_type.h"

namespace oracle_ggml {

// The llama.cpp release this libggml-base.so comes from: gguf-mtp's side of
// each comparison quantizes as that release does.
gguf::LlamaRelease release();

// ggml_quantize_chunk over whole rows; `importance` empty or row_length floats.
std::vector<uint8_t> quantize(gguf::TensorType type, std::span<const float> src, int64_t row_length,
                              std::span<const float> importance);

// ggml's to_float of the type, row by row.
std::vector<float> dequantize(gguf::TensorType type, std::span<const uint8_t> src, int64_t row_length, int64_t rows);

bool requires_importance(gguf::TensorType type);

// ggml_validate_row_data over `bytes` (whole blocks of `type`).
bool validate_row_data(gguf::TensorType type, std::span<const uint8_t> bytes);

}  // namespace oracle_ggml
