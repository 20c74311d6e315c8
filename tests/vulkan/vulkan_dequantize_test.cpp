// The Vulkan dequantize shaders give the CPU core's floats bit for bit
// (compared as 32-bit patterns, so negative zeros and NaN payloads count):
// random blocks, every class of fp16 scale (zeros, subnormals, infinities,
// NaNs) in every scale field, every F16 and BF16 value. Requantizing through
// the chunk stream (blocks uploaded as they are, dequantized and quantized
// on the device) gives the CPU's bytes, and chunks whose floats the quantize
// shaders must not see go back to the CPU. Skipped without a Vulkan device.
#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gguf/quant/cpu/quantize.h"
#include "gguf/format/tensor_type.h"
#include "vulkan_device.h"

namespace {

using gguf::TensorType;
using gguf::quant::vk::ChunkShape;
using gguf::quant::vk::GpuQuantizer;

// The fp16 fields of each type's block: its scales (and minimums).
struct Source {
    TensorType type;
    std::vector<int> halves;
};

const Source kSources[] = {
    {TensorType::F16, {0}},     {TensorType::BF16, {}},      {TensorType::Q4_0, {0}},       {TensorType::Q4_1, {0, 2}},
    {TensorType::Q5_0, {0}},    {TensorType::Q5_1, {0, 2}},  {TensorType::Q8_0, {0}},       {TensorType::Q2_K, {80, 82}},
    {TensorType::Q3_K, {108}},  {TensorType::Q4_K, {0, 2}},  {TensorType::Q5_K, {0, 2}},    {TensorType::Q6_K, {208}},
    {TensorType::IQ4_NL, {0}},  {TensorType::IQ4_XS, {0}},   {TensorType::TQ1_0, {52}},     {TensorType::TQ2_0, {64}},
    {TensorType::MXFP4, {}},
};

std::string name_of(TensorType t) { return std::string(gguf::type_display_name(t)); }

void PrintTo(const Source& s, std::ostream* os) { *os << name_of(s.type); }

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

// The first value whose bits differ, or "".
std::string first_bit_difference(const std::vector<float>& got, const std::vector<float>& want) {
    if (got.size() != want.size()) return "sizes differ";
    for (size_t i = 0; i < got.size(); ++i) {
        const auto g = std::bit_cast<uint32_t>(got[i]), w = std::bit_cast<uint32_t>(want[i]);
        if (g != w) return "value " + std::to_string(i) + ": " + hex(g) + " instead of " + hex(w);
    }
    return "";
}

std::vector<float> on_cpu(TensorType type, const std::vector<uint8_t>& bytes, uint64_t row_length) {
    const uint64_t rows = bytes.size() / *gguf::row_bytes(type, row_length);
    std::vector<float> out(rows * row_length);
    EXPECT_TRUE(gguf::dequantize_rows(type, bytes, row_length, out).has_value());
    return out;
}

void expect_same_floats(GpuQuantizer& gpu, TensorType type, const std::vector<uint8_t>& bytes, uint64_t row_length, const std::string& what) {
    const auto want = on_cpu(type, bytes, row_length);
    std::vector<float> got(want.size());
    auto status = gpu.dequantize(type, bytes, row_length, got);
    ASSERT_TRUE(status.has_value()) << name_of(type) << " " << what << ": " << status.error().message;
    EXPECT_EQ(first_bit_difference(got, want), "") << name_of(type) << " " << what << " on " << gpu.device_name();
}

// Whole rows of `blocks_per_row` random blocks of `type`.
std::vector<uint8_t> random_blocks(TensorType type, uint64_t rows, uint64_t blocks_per_row, uint64_t seed, uint64_t* row_length) {
    const auto traits = *gguf::type_traits(static_cast<uint32_t>(type));
    *row_length = traits.block_size * blocks_per_row;
    std::vector<uint8_t> bytes(rows * blocks_per_row * traits.block_bytes);
    std::mt19937_64 rng(seed);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    return bytes;
}

class VulkanDequantize : public testing::TestWithParam<Source> {};

TEST_P(VulkanDequantize, RandomBlocksAreTheCpuFloats) {
    REQUIRE_DEVICE(gpu);
    const auto type = GetParam().type;
    ASSERT_TRUE(GpuQuantizer::dequantizes(type));
    for (uint64_t seed : {1, 2, 3}) {
        uint64_t row_length = 0;
        const auto bytes = random_blocks(type, 7, 24 + seed, seed, &row_length);
        expect_same_floats(*gpu, type, bytes, row_length, "seed " + std::to_string(seed));
    }
}

// The check each source type's dequantize passes before its blocks go to the
// device (GpuQuantizer::reads_as_cpu) passes for every shader here.
TEST_P(VulkanDequantize, ReadsAsTheCpuOnItsCheckSample) {
    REQUIRE_DEVICE(gpu);
    const auto type = GetParam().type;
    const auto agrees = gpu->reads_as_cpu(type);
    ASSERT_TRUE(agrees.has_value()) << agrees.error().message;
    EXPECT_TRUE(*agrees) << name_of(type) << " on " << gpu->device_name();
}

// Every pair of special halves in every pair of fp16 fields: zeros of both
// signs, subnormals (which make values far below fp16's range), the extremes,
// infinities (which meet zero quants: the CPU's default NaN) and NaNs, quiet
// and signalling, with payloads.
class VulkanDequantizeScales : public testing::TestWithParam<Source> {};

TEST_P(VulkanDequantizeScales, EveryClassOfScaleIsTheCpuFloats) {
    REQUIRE_DEVICE(gpu);
    const auto& source = GetParam();
    const std::vector<uint16_t> specials = {0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe55, 0x3c00};
    const uint64_t n = specials.size();
    const uint64_t blocks = source.halves.size() == 1 ? n : n * n;
    const auto traits = *gguf::type_traits(static_cast<uint32_t>(source.type));
    uint64_t row_length = 0;
    auto bytes = random_blocks(source.type, blocks, 1, 7, &row_length);
    for (uint64_t b = 0; b < blocks; ++b) {
        uint64_t pick = b;
        for (int at : source.halves) {
            const uint16_t h = specials[pick % n];
            pick /= n;
            std::memcpy(&bytes[b * traits.block_bytes + at], &h, 2);
        }
    }
    expect_same_floats(*gpu, source.type, bytes, row_length, "special scales");
}

std::vector<Source> with_halves() {
    std::vector<Source> out;
    for (const auto& s : kSources) {
        if (!s.halves.empty()) out.push_back(s);
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Shaders, VulkanDequantize, testing::ValuesIn(kSources), [](const auto& info) { return name_of(info.param.type); });
INSTANTIATE_TEST_SUITE_P(Shaders, VulkanDequantizeScales, testing::ValuesIn(with_halves()), [](const auto& info) { return name_of(info.param.type); });

// All 65536 halves of each 16-bit format, and a row length that is no
// multiple of anything.
TEST(VulkanDequantizeFloats, EverySixteenBitValueIsTheCpuFloat) {
    REQUIRE_DEVICE(gpu);
    for (auto type : {TensorType::F16, TensorType::BF16}) {
        std::vector<uint8_t> bytes(65536 * 2);
        for (uint32_t v = 0; v < 65536; ++v) std::memcpy(&bytes[2 * v], &v, 2);
        expect_same_floats(*gpu, type, bytes, 256, "every value");
        bytes.resize(3 * 1001 * 2);
        expect_same_floats(*gpu, type, bytes, 1001, "rows of 1001");
    }
}

// MXFP4 blocks with each of the 256 exponents (subnormal scales and products
// that overflow to infinity included) and random codes.
TEST(VulkanDequantizeFloats, EveryMxfp4ExponentIsTheCpuFloat) {
    REQUIRE_DEVICE(gpu);
    uint64_t row_length = 0;
    auto bytes = random_blocks(TensorType::MXFP4, 256, 1, 9, &row_length);
    for (uint64_t e = 0; e < 256; ++e) bytes[e * 17] = static_cast<uint8_t>(e);
    expect_same_floats(*gpu, TensorType::MXFP4, bytes, row_length, "every exponent");
}

// Rows of `source` blocks requantized to `target` through the stream, one
// row per chunk; `redone` collects the chunks handed back to the CPU.
gguf::Status requantize(GpuQuantizer& gpu, TensorType source, const std::vector<uint8_t>& blocks, uint64_t row_length, TensorType target,
                        const std::vector<float>& importance, std::vector<uint8_t>* out, std::vector<uint64_t>* redone) {
    const uint64_t in_row = *gguf::row_bytes(source, row_length), rows = blocks.size() / in_row;
    GpuQuantizer::Redo redo;
    if (redone) {
        redo = [&](uint64_t k, std::span<uint8_t> bytes) -> gguf::Status {
            redone->push_back(k);
            std::vector<float> floats(row_length);
            if (auto s = gguf::dequantize_rows(source, std::span(blocks).subspan(k * in_row, in_row), row_length, floats); !s) return s;
            return gguf::quantize_rows(target, floats, row_length, importance, bytes);
        };
    }
    return gpu.stream(
        target, row_length, 1, rows,
        [&](uint64_t k, std::span<float> values, std::span<uint8_t>) -> gguf::Result<ChunkShape> {
            std::memcpy(values.data(), blocks.data() + k * in_row, in_row);
            return ChunkShape{1, importance, false, source};
        },
        [&](uint64_t, std::span<const uint8_t> bytes) -> gguf::Status {
            out->insert(out->end(), bytes.begin(), bytes.end());
            return {};
        },
        redo);
}

std::vector<uint8_t> requantize_on_cpu(TensorType source, const std::vector<uint8_t>& blocks, uint64_t row_length, TensorType target,
                                       const std::vector<float>& importance) {
    const auto floats = on_cpu(source, blocks, row_length);
    std::vector<uint8_t> out(floats.size() / row_length * *gguf::row_bytes(target, row_length));
    EXPECT_TRUE(gguf::quantize_rows(target, floats, row_length, importance, out).has_value());
    return out;
}

// Rows of `source` from smooth random floats (what a model file holds).
std::vector<uint8_t> model_rows(TensorType source, uint64_t rows, uint64_t row_length, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<float> floats(rows * row_length);
    for (auto& v : floats) v = normal(rng);
    std::vector<uint8_t> out(rows * *gguf::row_bytes(source, row_length));
    EXPECT_TRUE(gguf::quantize_rows(source, floats, row_length, {}, out).has_value());
    return out;
}

// Every source into targets of each shader family, with and without
// importance (Q4_0 with importance reads a row statistic of the dequantized
// floats): the CPU's bytes.
TEST(VulkanRequantize, BlocksQuantizeOnTheDeviceAsOnTheCpu) {
    REQUIRE_DEVICE(gpu);
    const uint64_t row_length = 512, rows = 5;
    std::vector<float> importance(row_length);
    std::mt19937_64 rng(5);
    for (auto& w : importance) w = static_cast<float>(rng() % 1000) / 100.0f;
    for (const auto& source : kSources) {
        const auto blocks = model_rows(source.type, rows, row_length, 11);
        for (auto target : {TensorType::Q4_0, TensorType::Q8_0, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q6_K, TensorType::IQ4_XS}) {
            for (bool weighted : {false, true}) {
                const auto& w = weighted ? importance : std::vector<float>{};
                std::vector<uint8_t> got;
                auto status = requantize(*gpu, source.type, blocks, row_length, target, w, &got, nullptr);
                ASSERT_TRUE(status.has_value()) << status.error().message;
                EXPECT_TRUE(got == requantize_on_cpu(source.type, blocks, row_length, target, w))
                    << name_of(source.type) << " to " << name_of(target) << (weighted ? " with importance" : "");
            }
        }
    }
}

// A Q8_0 row with an infinite scale and one with a NaN scale: the device
// flags both chunks, the CPU redoes exactly those, and the rest are the
// device's; without a way to redo them, the stream fails.
TEST(VulkanRequantize, ChunksWithNonFiniteValuesGoBackToTheCpu) {
    REQUIRE_DEVICE(gpu);
    const uint64_t row_length = 256, rows = 6;
    auto blocks = model_rows(TensorType::Q8_0, rows, row_length, 3);
    const uint64_t in_row = *gguf::row_bytes(TensorType::Q8_0, row_length);
    const uint16_t inf = 0x7c00, nan = 0x7e00;
    std::memcpy(&blocks[2 * in_row + 34], &inf, 2);
    std::memcpy(&blocks[4 * in_row], &nan, 2);
    std::vector<uint8_t> got;
    std::vector<uint64_t> redone;
    auto status = requantize(*gpu, TensorType::Q8_0, blocks, row_length, TensorType::Q4_K, {}, &got, &redone);
    ASSERT_TRUE(status.has_value()) << status.error().message;
    EXPECT_EQ(redone, (std::vector<uint64_t>{2, 4}));
    EXPECT_TRUE(got == requantize_on_cpu(TensorType::Q8_0, blocks, row_length, TensorType::Q4_K, {}));
    got.clear();
    EXPECT_FALSE(requantize(*gpu, TensorType::Q8_0, blocks, row_length, TensorType::Q4_K, {}, &got, nullptr).has_value());
}

}  // namespace
