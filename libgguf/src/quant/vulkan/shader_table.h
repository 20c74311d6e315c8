// Which tensor types have Vulkan shaders, and how each is dispatched: one
// table row per type, naming its SPIR-V (embedded at build time, with and
// without subnormal preservation), its specialization constants, the values
// one unit holds and how many invocations share a unit.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "gguf/compat/llama_release.h"
#include "gguf/format/tensor_type.h"
#include "lattice_tables.h"

namespace gguf::quant::vk {

struct Spirv {
    const char* name;                            // the shader's file name, without .comp
    std::span<const uint32_t> keeps_subnormals;  // DenormPreserve requested
    std::span<const uint32_t> plain;
};

struct ShaderKernel {
    TensorType type;
    Spirv quantize;
    int32_t spec[2];             // specialization constants 0 and 1
    uint32_t unit_values;        // values per unit (block or super-block)
    uint32_t unit_bytes;         // its bytes
    uint32_t unit_invocations;   // invocations per unit (one per sub-block, or 1)
    bool weighted;               // quantizes with importance weights too
    bool needs_row_sigma;        // with weights, reads the row's mean square
    LatticeId lattice = LatticeId::none;  // the grid it reads at binding 4 (IQ1/IQ2/IQ3)
    // IQ1_M: the split scoring of the releases whose bytes this row gives
    // (llama_release.h); other rows serve every release.
    std::optional<Iq1mSplitScore> iq1m_split_score = std::nullopt;

    // Quantized bytes of a row of `row_length` values (whole units).
    uint64_t row_bytes(uint64_t row_length) const { return row_length / unit_values * unit_bytes; }
};

// The row for `type` quantized as `release` does, or nullptr where only the
// CPU core quantizes it so.
const ShaderKernel* find_shader(TensorType type, LlamaRelease release);

// The pass computing each row's mean square (legacy types with importance).
const Spirv& row_sigma_shader();

}  // namespace gguf::quant::vk
