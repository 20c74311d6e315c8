#include "shader_table.h"

#include "embedded_shaders.h"

namespace gguf::quant::vk {
namespace {

// Legacy: bits and whether the block has a minimum; k-quants: bits (Q2_K
// has a shader of its own); IQ4: 0 for IQ4_NL, 1 for IQ4_XS; IQ3: 0 for
// IQ3_XXS, 1 for IQ3_S; IQ2: 0 for IQ2_XXS, 1 for IQ2_XS, 2 for IQ2_S; IQ1: 0 for
// IQ1_S, 1 for IQ1_M, then IQ1_M's split scoring (0 full sums, 1 running
// sums per half block); floats: bytes per value and 1 for BF16.
constexpr ShaderKernel kQuantizeKernels[] = {
    {TensorType::F32, shaders::float_targets, {4, 0}, 1, 4, 1, true, false},
    {TensorType::F16, shaders::float_targets, {2, 0}, 1, 2, 1, true, false},
    {TensorType::BF16, shaders::float_targets, {2, 1}, 1, 2, 1, true, false},
    {TensorType::Q4_0, shaders::legacy, {4, 0}, 32, 18, 1, true, true},
    {TensorType::Q4_1, shaders::legacy, {4, 1}, 32, 20, 1, true, true},
    {TensorType::Q5_0, shaders::legacy, {5, 0}, 32, 22, 1, true, true},
    {TensorType::Q5_1, shaders::legacy, {5, 1}, 32, 24, 1, true, true},
    {TensorType::Q8_0, shaders::legacy, {8, 0}, 32, 34, 1, true, false},
    {TensorType::Q2_K, shaders::q2_k, {2, 0}, 256, 84, 16, true, false},
    {TensorType::Q3_K, shaders::k_symmetric, {3, 0}, 256, 110, 16, true, false},
    {TensorType::Q4_K, shaders::k_quants, {4, 0}, 256, 144, 8, true, false},
    {TensorType::Q5_K, shaders::k_quants, {5, 0}, 256, 176, 8, true, false},
    {TensorType::Q6_K, shaders::k_symmetric, {6, 0}, 256, 210, 16, true, false},
    {TensorType::IQ4_NL, shaders::iq4, {0, 0}, 32, 18, 1, true, false},
    {TensorType::IQ4_XS, shaders::iq4, {1, 0}, 256, 136, 8, true, false},
    {TensorType::IQ3_XXS, shaders::iq3, {0, 0}, 256, 98, 8, true, false, LatticeId::iq3xxs},
    {TensorType::IQ3_S, shaders::iq3, {1, 0}, 256, 110, 8, true, false, LatticeId::iq3s},
    {TensorType::IQ2_XXS, shaders::iq2, {0, 0}, 256, 66, 8, true, false, LatticeId::iq2xxs},
    {TensorType::IQ2_XS, shaders::iq2, {1, 0}, 256, 74, 16, true, false, LatticeId::iq2xs},
    {TensorType::IQ2_S, shaders::iq2, {2, 0}, 256, 82, 16, true, false, LatticeId::iq2s},
    {TensorType::IQ1_S, shaders::iq1, {0, 0}, 256, 50, 8, true, false, LatticeId::iq1s},
    {TensorType::IQ1_M, shaders::iq1, {1, 0}, 256, 56, 16, true, false, LatticeId::iq1s, Iq1mSplitScore::full_sums},
    {TensorType::IQ1_M, shaders::iq1, {1, 1}, 256, 56, 16, true, false, LatticeId::iq1s, Iq1mSplitScore::half_block_prefix_sums},
};

}  // namespace

const ShaderKernel* find_shader(TensorType type, LlamaRelease release) {
    for (const auto& k : kQuantizeKernels) {
        if (k.type != type) continue;
        if (!k.iq1m_split_score || *k.iq1m_split_score == rules_of(release).iq1m_split_score) return &k;
    }
    return nullptr;
}

const Spirv& row_sigma_shader() { return shaders::row_sigma; }

}  // namespace gguf::quant::vk
