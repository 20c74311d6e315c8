#include "dequantize_table.h"

namespace gguf::quant::vk {
namespace {

constexpr uint32_t kLegacyPlain[] = {
#include "dequant_legacy_plain.spv.inc"
};
constexpr uint32_t kLegacyKeeps[] = {
#include "dequant_legacy_keeps_subnormals.spv.inc"
};
constexpr uint32_t kKQuantsPlain[] = {
#include "dequant_k_quants_plain.spv.inc"
};
constexpr uint32_t kKQuantsKeeps[] = {
#include "dequant_k_quants_keeps_subnormals.spv.inc"
};
constexpr uint32_t kIq4Plain[] = {
#include "dequant_iq4_plain.spv.inc"
};
constexpr uint32_t kIq4Keeps[] = {
#include "dequant_iq4_keeps_subnormals.spv.inc"
};
constexpr uint32_t kFloatPlain[] = {
#include "dequant_float_plain.spv.inc"
};
constexpr uint32_t kFloatKeeps[] = {
#include "dequant_float_keeps_subnormals.spv.inc"
};

constexpr uint32_t kTernaryFp4Plain[] = {
#include "dequant_ternary_fp4_plain.spv.inc"
};
constexpr uint32_t kTernaryFp4Keeps[] = {
#include "dequant_ternary_fp4_keeps_subnormals.spv.inc"
};

constexpr Spirv kLegacy{kLegacyKeeps, kLegacyPlain};
constexpr Spirv kKQuants{kKQuantsKeeps, kKQuantsPlain};
constexpr Spirv kIq4{kIq4Keeps, kIq4Plain};
constexpr Spirv kFloat{kFloatKeeps, kFloatPlain};
constexpr Spirv kTernaryFp4{kTernaryFp4Keeps, kTernaryFp4Plain};

// Legacy: bits and whether the block has a minimum; k-quants: bits; IQ4: 0
// for IQ4_NL, 1 for IQ4_XS; floats: 0 for F16, 1 for BF16; 0 for TQ1_0, 1
// for TQ2_0, 2 for MXFP4. Super-blocks
// split into pieces of 32 values, so eight invocations share one.
constexpr DequantizeKernel kKernels[] = {
    {TensorType::F16, kFloat, {0, 0}, 1, 2, 1},
    {TensorType::BF16, kFloat, {1, 0}, 1, 2, 1},
    {TensorType::Q4_0, kLegacy, {4, 0}, 32, 18, 32},
    {TensorType::Q4_1, kLegacy, {4, 1}, 32, 20, 32},
    {TensorType::Q5_0, kLegacy, {5, 0}, 32, 22, 32},
    {TensorType::Q5_1, kLegacy, {5, 1}, 32, 24, 32},
    {TensorType::Q8_0, kLegacy, {8, 0}, 32, 34, 32},
    {TensorType::Q2_K, kKQuants, {2, 0}, 256, 84, 32},
    {TensorType::Q3_K, kKQuants, {3, 0}, 256, 110, 32},
    {TensorType::Q4_K, kKQuants, {4, 0}, 256, 144, 32},
    {TensorType::Q5_K, kKQuants, {5, 0}, 256, 176, 32},
    {TensorType::Q6_K, kKQuants, {6, 0}, 256, 210, 32},
    {TensorType::IQ4_NL, kIq4, {0, 0}, 32, 18, 32},
    {TensorType::IQ4_XS, kIq4, {1, 0}, 256, 136, 32},
    {TensorType::TQ1_0, kTernaryFp4, {0, 0}, 256, 54, 32},
    {TensorType::TQ2_0, kTernaryFp4, {1, 0}, 256, 66, 32},
    {TensorType::MXFP4, kTernaryFp4, {2, 0}, 32, 17, 32},
};

}  // namespace

const DequantizeKernel* find_dequantizer(TensorType type) {
    for (const auto& k : kKernels) {
        if (k.type == type) return &k;
    }
    return nullptr;
}

}  // namespace gguf::quant::vk
