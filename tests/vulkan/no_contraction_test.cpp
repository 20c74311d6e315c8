// Every shader reaches the driver with all its float arithmetic decorated
// NoContraction (no_contraction.h), whatever glslc's optimizer left bare.
// Needs no device: it reads the embedded SPIR-V.
#include "quant/vulkan/no_contraction.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gguf/compat/llama_release.h"
#include "gguf/format/tensor_type.h"
#include "quant/vulkan/dequantize_table.h"
#include "quant/vulkan/shader_table.h"

namespace {

using gguf::quant::vk::Spirv;

struct Named {
    std::string name;
    std::span<const uint32_t> words;
};

// Each distinct SPIR-V module the quantizer can create, both variants.
std::vector<Named> every_module() {
    std::vector<Named> modules;
    auto add = [&](const std::string& name, const Spirv& spirv) {
        for (const auto& [variant, words] : {std::pair{"keeps_subnormals", spirv.keeps_subnormals}, {"plain", spirv.plain}}) {
            const bool seen = std::any_of(modules.begin(), modules.end(), [&](const Named& m) { return m.words.data() == words.data(); });
            if (!seen) modules.push_back({name + " " + variant, words});
        }
    };
    for (int t = 0; t < 64; ++t) {
        const auto type = static_cast<gguf::TensorType>(t);
        for (const auto release : {gguf::LlamaRelease::v0_4_0, gguf::LlamaRelease::v0_5_0}) {
            if (const auto* kernel = gguf::quant::vk::find_shader(type, release)) add(std::string(gguf::type_display_name(type)), kernel->quantize);
        }
        if (const auto* kernel = gguf::quant::vk::find_dequantizer(type)) add("dequantize " + std::string(gguf::type_display_name(type)), kernel->dequantize);
    }
    add("row sigma", gguf::quant::vk::row_sigma_shader());
    return modules;
}

TEST(NoContraction, EveryShaderKeepsEachRoundingOnceDecorated) {
    const auto modules = every_module();
    ASSERT_GT(modules.size(), 20u);
    for (const auto& m : modules) {
        const auto code = gguf::quant::vk::forbid_contraction(m.words);
        EXPECT_TRUE(gguf::quant::vk::forbids_contraction(code)) << m.name;
        // One run of three-word NoContraction decorations was inserted; the
        // module's own words are all there, in order, around it.
        ASSERT_GE(code.size(), m.words.size()) << m.name;
        const size_t added = code.size() - m.words.size();
        ASSERT_EQ(added % 3, 0u) << m.name;
        const size_t at = std::mismatch(m.words.begin(), m.words.end(), code.begin()).first - m.words.begin();
        EXPECT_TRUE(std::equal(m.words.begin() + at, m.words.end(), code.begin() + at + added)) << m.name;
        for (size_t k = at; k < at + added; k += 3) EXPECT_EQ(code[k + 2], 42u) << m.name << " word " << k;
        EXPECT_EQ(gguf::quant::vk::forbid_contraction(code), code) << m.name << ": a second pass adds nothing";
    }
}

// A hand-made module: a bare multiply and an add get the decoration; one
// already decorated is left alone.
TEST(NoContraction, OnlyBareArithmeticIsDecorated) {
    const uint32_t kDecorate = 71, kNoContraction = 42, kBinding = 33;
    const std::vector<uint32_t> module = {
        0x07230203, 0x00010500, 0, 20, 0,            // header: magic, version, generator, id bound, schema
        (4u << 16) | kDecorate, 1, kBinding, 0,      // OpDecorate %1 Binding 0
        (3u << 16) | kDecorate, 12, kNoContraction,  // OpDecorate %12 NoContraction
        (3u << 16) | 22, 2, 32,                      // OpTypeFloat %2 32
        (5u << 16) | 133, 2, 10, 3, 4,               // %10 = OpFMul %2 %3 %4
        (5u << 16) | 129, 2, 11, 10, 5,              // %11 = OpFAdd %2 %10 %5
        (5u << 16) | 129, 2, 12, 11, 5,              // %12 = OpFAdd %2 %11 %5 (decorated)
        (5u << 16) | 128, 2, 13, 6, 7,               // %13 = OpIAdd: not float arithmetic
    };
    const auto code = gguf::quant::vk::forbid_contraction(module);
    std::vector<uint32_t> want(module.begin(), module.begin() + 12);
    want.insert(want.end(), {(3u << 16) | kDecorate, 10, kNoContraction, (3u << 16) | kDecorate, 11, kNoContraction});
    want.insert(want.end(), module.begin() + 12, module.end());
    EXPECT_EQ(code, want);
    EXPECT_FALSE(gguf::quant::vk::forbids_contraction(module));
    EXPECT_TRUE(gguf::quant::vk::forbids_contraction(code));
}

}  // namespace
