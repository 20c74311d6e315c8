// Which tensor types the Vulkan device reads back to floats, and how: one
// table row per type, naming its dequantize SPIR-V, its specialization
// constants and its block geometry. A chunk of such a type is uploaded as
// its encoded blocks and turned into floats on the device, where the
// quantize shaders read them (see dequantize_pass.h).
#pragma once

#include <cstdint>

#include "gguf/format/tensor_type.h"
#include "shader_table.h"

namespace gguf::quant::vk {

struct DequantizeKernel {
    TensorType type;
    Spirv dequantize;
    int32_t spec[2];        // specialization constants 0 and 1
    uint32_t unit_values;   // values per unit (block, super-block or 1)
    uint32_t unit_bytes;    // its encoded bytes
    uint32_t piece_values;  // values one invocation writes (divides unit_values)

    // Encoded bytes of `rows` rows of `row_length` values (whole units).
    uint64_t encoded_bytes(uint64_t rows, uint64_t row_length) const { return rows * (row_length / unit_values * unit_bytes); }
};

// The row for `type`, or nullptr where only the CPU core dequantizes it.
const DequantizeKernel* find_dequantizer(TensorType type);

}  // namespace gguf::quant::vk
