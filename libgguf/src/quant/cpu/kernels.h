// One row of one type: the unit every quantizer family implements. The
// families (float, legacy, k-quants, i-quants, ternary/fp4, and ik_llama.cpp's
// own types, which are only read) each export a table of these; quantize.cpp
// dispatches on them, so adding a type means adding a row to its family's
// table and nothing else.
#pragma once

#include <cstdint>
#include <span>

#include "gguf/compat/llama_release.h"
#include "gguf/error.h"
#include "gguf/format/tensor_type.h"

namespace gguf::quant {

// Quantizes one row of `n` floats (a whole number of blocks) into `dst`.
// `importance` is nullptr or `n` floats.
using QuantizeRow = void (*)(const float* src, uint8_t* dst, int64_t n, const float* importance);
// Dequantizes one row of `n` floats; for kernels of interleaved types, one
// group of `rows_per_call` rows (their bytes), `n` = rows_per_call * row length.
using DequantizeRow = void (*)(const uint8_t* src, float* dst, int64_t n);
// Dequantizes whole rows of a type whose tensors keep a value for all rows
// after the last one (ik_llama.cpp's I2_S: its scale); `trailer` is those
// bytes (tensor_trailer_bytes).
using DequantizeTensorRows = Status (*)(std::span<const uint8_t> rows, uint64_t row_length, std::span<float> dst,
                                        std::span<const uint8_t> trailer);

struct Kernels {
    TensorType type;
    QuantizeRow quantize;      // nullptr: this type is read, not written
    DequantizeRow dequantize;
    bool requires_importance;
    int rows_per_call = 1;  // ik's interleaved types store rows in groups
    DequantizeTensorRows dequantize_tensor_rows = nullptr;  // instead of `dequantize`, for a tensor-trailer type
    // Values every row must hold a multiple of, where the type's blocks run
    // on across rows (I2_S: 128); 0: any whole number of blocks.
    uint32_t row_multiple = 0;
};

std::span<const Kernels> float_kernels();
std::span<const Kernels> legacy_kernels();
std::span<const Kernels> k_quant_kernels();
std::span<const Kernels> i_quant_kernels();
std::span<const Kernels> ternary_fp4_kernels();
std::span<const Kernels> ik_trellis_kernels();
std::span<const Kernels> ik_interleaved_kernels();
std::span<const Kernels> ik_quant_kernels();     // dequantize only
std::span<const Kernels> ik_quant_r4_kernels();  // dequantize only, 4 rows a call

// The one quantizer that differs between llama.cpp releases: IQ1_M by the
// release's split scoring (the table's Kernels row holds the newest).
QuantizeRow iq1_m_quantizer(Iq1mSplitScore score);

}  // namespace gguf::quant
