// The CPU quantize core: rows of f32 to ggml blocks and back.
//
// Quantized bytes are identical to ggml's reference quantizers
// (ggml_quantize_chunk of the reference release) for the same floats, row
// length and importance weights; dequantized floats are identical to ggml's
// to_float (ik_llama.cpp's for the types only ik writes, which gguf-mtp
// reads but does not write). Importance weights are one float per column (the imatrix entry
// for the tensor, in_sum2 / counts), shared by every row.
//
// Thread safety: reentrant; the IQ lattices are built once on first use
// (function-local statics) and only read after. Rows may be quantized on
// many threads at once, as quantize_tensor.h does.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "gguf/error.h"
#include "gguf/compat/llama_release.h"
#include "gguf/format/tensor_type.h"

namespace gguf {

// Types gguf-mtp can write from f32, and types it can read back to f32.
bool can_quantize(TensorType type);
bool can_dequantize(TensorType type);

// Why gguf-mtp does not read `type` as floats, for messages ("its ... has
// no defined result"); empty where it does.
std::string_view dequantize_refusal(TensorType type);

// Why rows of `row_length` values of `type` cannot be read as floats: the
// type's refusal, or a row length its blocks do not fit (I2_S's 128-value
// blocks run on across rows); empty where they can.
std::string dequantize_refusal(TensorType type, uint64_t row_length);

// Rows dequantize_rows reads together: a group of ik_llama.cpp's
// interleaved rows (_R4: 4; its Q4_0_4_4 / Q4_0_4_8 repacks: 4, Q4_0_8_8:
// 8); 1 for every other type. A caller reading some rows reads their groups.
uint64_t dequantize_group_rows(TensorType type);

// Types ggml refuses to quantize without importance weights (IQ1_S, IQ1_M,
// IQ2_XXS, IQ2_XS in the reference release).
bool requires_importance(TensorType type);

// The vector kernels this process quantizes with: "scalar", "avx2" or
// "avx512" (the widest the CPU has, capped by GGUF_MTP_SIMD or
// GGUF_MTP_NO_SIMD=1 in the environment). Every one gives the same bytes.
std::string_view simd_path();

// Quantizes `src` (whole rows of `row_length` floats) into `dst`, which must
// hold exactly the rows' bytes, as `release`'s ggml does (only IQ1_M differs
// between releases). `importance` is empty or `row_length` floats.
// Errors: a row length that is not a whole number of blocks, missing
// importance weights where the type needs them, sizes that do not agree.
Status quantize_rows(TensorType type, std::span<const float> src, uint64_t row_length, std::span<const float> importance,
                     std::span<uint8_t> dst, LlamaRelease release = kNewestRelease);

// Dequantizes whole rows of `type` from `src` into `dst` (row_length floats
// each). Interleaved types need a whole number of their row groups
// (dequantize_group_rows). Rows include their row metadata (row_bytes).
// `tensor_trailer` is the tensor's bytes after its last row
// (tensor_trailer_bytes: ik_llama.cpp's I2_S keeps its scale there), which
// any run of its rows needs; empty for every other type.
Status dequantize_rows(TensorType type, std::span<const uint8_t> src, uint64_t row_length, std::span<float> dst,
                       std::span<const uint8_t> tensor_trailer = {});

}  // namespace gguf
