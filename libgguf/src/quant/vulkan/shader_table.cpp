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
constexpr Spirv kFloatTargets{kFloatTargetsKeeps, kFloatTargetsPlain};
constexpr Spirv kRowSigma{kRowSigmaKeeps, kRowSigmaPlain};

// Legacy: bits and whether the block has a minimum; k-quants: bits (Q2_K
// has a shader of its own); IQ4: 0 for IQ4_NL, 1 for IQ4_XS; floats: bytes
// per value and 1 for BF16.
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
