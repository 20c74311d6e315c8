#include "shader_table.h"

namespace gguf::quant::vk {
namespace {

constexpr uint32_t kLegacyPlain[] = {
#include "legacy_plain.spv.inc"
};
constexpr uint32_t kLegacyKeeps[] = {
#include "legacy_keeps_subnormals.spv.inc"
};
constexpr uint32_t kKQuantsPlain[] = {
#include "k_quants_plain.spv.inc"
};
constexpr uint32_t kKQuantsKeeps[] = {
#include "k_quants_keeps_subnormals.spv.inc"
};
constexpr uint32_t kKSymmetricPlain[] = {
#include "k_symmetric_plain.spv.inc"
};
constexpr uint32_t kKSymmetricKeeps[] = {
#include "k_symmetric_keeps_subnormals.spv.inc"
};
constexpr uint32_t kQ2KPlain[] = {
#include "q2_k_plain.spv.inc"
};
constexpr uint32_t kQ2KKeeps[] = {
#include "q2_k_keeps_subnormals.spv.inc"
};
constexpr uint32_t kIq4Plain[] = {
#include "iq4_plain.spv.inc"
};
constexpr uint32_t kIq4Keeps[] = {
#include "iq4_keeps_subnormals.spv.inc"
};
constexpr uint32_t kIq3Plain[] = {
#include "iq3_plain.spv.inc"
};
constexpr uint32_t kIq3Keeps[] = {
#include "iq3_keeps_subnormals.spv.inc"
};
constexpr uint32_t kIq2Plain[] = {
#include "iq2_plain.spv.inc"
};
constexpr uint32_t kIq2Keeps[] = {
#include "iq2_keeps_subnormals.spv.inc"
};
constexpr uint32_t kIq1Plain[] = {
#include "iq1_plain.spv.inc"
};
constexpr uint32_t kIq1Keeps[] = {
#include "iq1_keeps_subnormals.spv.inc"
};
constexpr uint32_t kFloatTargetsPlain[] = {
#include "float_targets_plain.spv.inc"
};
constexpr uint32_t kFloatTargetsKeeps[] = {
#include "float_targets_keeps_subnormals.spv.inc"
};
constexpr uint32_t kRowSigmaPlain[] = {
#include "row_sigma_plain.spv.inc"
};
constexpr uint32_t kRowSigmaKeeps[] = {
#include "row_sigma_keeps_subnormals.spv.inc"
};

constexpr Spirv kLegacy{kLegacyKeeps, kLegacyPlain};
constexpr Spirv kKQuants{kKQuantsKeeps, kKQuantsPlain};
constexpr Spirv kKSymmetric{kKSymmetricKeeps, kKSymmetricPlain};
constexpr Spirv kQ2K{kQ2KKeeps, kQ2KPlain};
constexpr Spirv kIq4{kIq4Keeps, kIq4Plain};
constexpr Spirv kIq3{kIq3Keeps, kIq3Plain};
constexpr Spirv kIq2{kIq2Keeps, kIq2Plain};
constexpr Spirv kIq1{kIq1Keeps, kIq1Plain};
constexpr Spirv kFloatTargets{kFloatTargetsKeeps, kFloatTargetsPlain};
constexpr Spirv kRowSigma{kRowSigmaKeeps, kRowSigmaPlain};

// Legacy: bits and whether the block has a minimum; k-quants: bits (Q2_K
// has a shader of its own); IQ4: 0 for IQ4_NL, 1 for IQ4_XS; IQ3: 0 for
// IQ3_XXS, 1 for IQ3_S; IQ2: 0 for IQ2_XXS, 1 for IQ2_XS, 2 for IQ2_S; IQ1: 0 for
// IQ1_S, 1 for IQ1_M; floats: bytes per value and 1 for BF16.
constexpr ShaderKernel kKernels[] = {
    {TensorType::F32, kFloatTargets, {4, 0}, 1, 4, 1, true, false},
    {TensorType::F16, kFloatTargets, {2, 0}, 1, 2, 1, true, false},
    {TensorType::BF16, kFloatTargets, {2, 1}, 1, 2, 1, true, false},
    {TensorType::Q4_0, kLegacy, {4, 0}, 32, 18, 1, true, true},
    {TensorType::Q4_1, kLegacy, {4, 1}, 32, 20, 1, true, true},
    {TensorType::Q5_0, kLegacy, {5, 0}, 32, 22, 1, true, true},
    {TensorType::Q5_1, kLegacy, {5, 1}, 32, 24, 1, true, true},
    {TensorType::Q8_0, kLegacy, {8, 0}, 32, 34, 1, true, false},
    {TensorType::Q2_K, kQ2K, {2, 0}, 256, 84, 16, true, false},
    {TensorType::Q3_K, kKSymmetric, {3, 0}, 256, 110, 16, true, false},
    {TensorType::Q4_K, kKQuants, {4, 0}, 256, 144, 8, true, false},
    {TensorType::Q5_K, kKQuants, {5, 0}, 256, 176, 8, true, false},
    {TensorType::Q6_K, kKSymmetric, {6, 0}, 256, 210, 16, true, false},
    {TensorType::IQ4_NL, kIq4, {0, 0}, 32, 18, 1, true, false},
    {TensorType::IQ4_XS, kIq4, {1, 0}, 256, 136, 8, true, false},
    {TensorType::IQ3_XXS, kIq3, {0, 0}, 256, 98, 8, true, false, LatticeId::iq3xxs},
    {TensorType::IQ3_S, kIq3, {1, 0}, 256, 110, 8, true, false, LatticeId::iq3s},
    {TensorType::IQ2_XXS, kIq2, {0, 0}, 256, 66, 8, true, false, LatticeId::iq2xxs},
    {TensorType::IQ2_XS, kIq2, {1, 0}, 256, 74, 16, true, false, LatticeId::iq2xs},
    {TensorType::IQ2_S, kIq2, {2, 0}, 256, 82, 16, true, false, LatticeId::iq2s},
    {TensorType::IQ1_S, kIq1, {0, 0}, 256, 50, 8, true, false, LatticeId::iq1s},
    {TensorType::IQ1_M, kIq1, {1, 0}, 256, 56, 16, true, false, LatticeId::iq1s},
};

}  // namespace

const ShaderKernel* find_shader(TensorType type) {
    for (const auto& k : kKernels) {
        if (k.type == type) return &k;
    }
    return nullptr;
}

const Spirv& row_sigma_shader() { return kRowSigma; }

}  // namespace gguf::quant::vk
