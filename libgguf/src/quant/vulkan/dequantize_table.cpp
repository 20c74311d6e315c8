#include "dequantize_table.h"

#include "embedded_shaders.h"

namespace gguf::quant::vk {
namespace {

// Legacy: bits and whether the block has a minimum; k-quants: bits; IQ4: 0
// for IQ4_NL, 1 for IQ4_XS; floats: 0 for F16, 1 for BF16; 0 for TQ1_0, 1
// for TQ2_0, 2 for MXFP4. Super-blocks
// split into pieces of 32 values, so eight invocations share one.
constexpr DequantizeKernel kDequantizeKernels[] = {
    {TensorType::F16, shaders::dequant_float, {0, 0}, 1, 2, 1},
    {TensorType::BF16, shaders::dequant_float, {1, 0}, 1, 2, 1},
    {TensorType::Q4_0, shaders::dequant_legacy, {4, 0}, 32, 18, 32},
    {TensorType::Q4_1, shaders::dequant_legacy, {4, 1}, 32, 20, 32},
    {TensorType::Q5_0, shaders::dequant_legacy, {5, 0}, 32, 22, 32},
    {TensorType::Q5_1, shaders::dequant_legacy, {5, 1}, 32, 24, 32},
    {TensorType::Q8_0, shaders::dequant_legacy, {8, 0}, 32, 34, 32},
    {TensorType::Q2_K, shaders::dequant_k_quants, {2, 0}, 256, 84, 32},
    {TensorType::Q3_K, shaders::dequant_k_quants, {3, 0}, 256, 110, 32},
    {TensorType::Q4_K, shaders::dequant_k_quants, {4, 0}, 256, 144, 32},
    {TensorType::Q5_K, shaders::dequant_k_quants, {5, 0}, 256, 176, 32},
    {TensorType::Q6_K, shaders::dequant_k_quants, {6, 0}, 256, 210, 32},
    {TensorType::IQ4_NL, shaders::dequant_iq4, {0, 0}, 32, 18, 32},
    {TensorType::IQ4_XS, shaders::dequant_iq4, {1, 0}, 256, 136, 32},
    {TensorType::TQ1_0, shaders::dequant_ternary_fp4, {0, 0}, 256, 54, 32},
    {TensorType::TQ2_0, shaders::dequant_ternary_fp4, {1, 0}, 256, 66, 32},
    {TensorType::MXFP4, shaders::dequant_ternary_fp4, {2, 0}, 32, 17, 32},
};

}  // namespace

const DequantizeKernel* find_dequantizer(TensorType type) {
    for (const auto& k : kDequantizeKernels) {
        if (k.type == type) return &k;
    }
    return nullptr;
}

}  // namespace gguf::quant::vk
