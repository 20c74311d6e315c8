// What ggml_validate_row_data checks in the data of each tensor type: the
// float fields of every block (its scales, or the element itself for float
// tensors) that must not be NaN or Inf, and MXFP4's E8M0 exponent that must
// not be the reserved 0xFF. One table, one entry per type; ik_llama.cpp's
// files are checked as ik's loader checks them (its own types: only the
// Q4_0 repacks and its Q8_K).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "gguf/format/tensor_type.h"

namespace gguf::detail {

enum class FieldKind : uint8_t {
    f16, bf16, f32, f64,
    e8m0,        // MXFP4's shared exponent
    iq1m_scale,  // IQ1_M's f16 scale, spread over the top nibbles of four u16
};

struct CheckedField {
    int32_t offset;         // in the block; negative: from the block's end
    FieldKind kind;
    std::string_view name;  // as ggml's block structs name it ("d", "dmin")
};

// The fields checked in every block of `type`; empty when ggml checks
// nothing (integer types, NVFP4).
std::span<const CheckedField> checked_fields(TensorType type);

// Blocks of `type` in the unit whose fields checked_fields lists: 1, or
// the 4 or 8 Q4_0 blocks of one of ik_llama.cpp's Q4_0 repacks, which ik's
// loader checks as one block_q4_0x4 / block_q4_0x8 (their rows' blocks
// interleaved: a unit holds the same block of 4 or 8 rows).
uint32_t checked_unit_blocks(TensorType type);

// What is wrong with the field at `p` ("NaN", "Inf", "0xFF"), or empty.
std::string_view field_problem(FieldKind kind, const uint8_t* p);

}  // namespace gguf::detail
