// F16, BF16 and F32 rows, against ggml.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "gguf/quant/cpu/quantize.h"
#include "oracle_ggml.h"
#include "quant_cases.h"

namespace {

class FloatTypes : public testing::TestWithParam<gguf::TensorType> {};

TEST_P(FloatTypes, QuantizeAndDequantizeMatchGgml) {
    const auto type = GetParam();
    for (const auto& c : quant_cases::cases_for(type, false)) {
        const auto want = oracle_ggml::quantize(type, c.values, c.row_length, {});
        std::vector<uint8_t> got(want.size());
        ASSERT_TRUE(gguf::quantize_rows(type, c.values, c.row_length, {}, got, oracle_ggml::release()).has_value()) << c.name;
        ASSERT_EQ(quant_cases::first_difference(got, want, type, c.row_length), "") << c.name;
        const int64_t rows = static_cast<int64_t>(c.values.size()) / c.row_length;
        std::vector<float> back(c.values.size());
        ASSERT_TRUE(gguf::dequantize_rows(type, want, c.row_length, back).has_value());
        // ggml has no to_float for F32 (it is the identity): compare with the input.
        const auto ref = type == gguf::TensorType::F32 ? c.values : oracle_ggml::dequantize(type, want, c.row_length, rows);
        ASSERT_EQ(0, std::memcmp(back.data(), ref.data(), back.size() * sizeof(float))) << c.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Ggml, FloatTypes, testing::Values(gguf::TensorType::F32, gguf::TensorType::F16, gguf::TensorType::BF16),
                         [](const auto& info) { return std::string(gguf::type_display_name(info.param)); });

class HalfTypes : public testing::TestWithParam<gguf::TensorType> {};

// Every 16-bit pattern, infinities and NaNs included, reads back as ggml
// reads it (ggml quiets signalling NaNs).
TEST_P(HalfTypes, EveryHalfDequantizesAsGgml) {
    const auto type = GetParam();
    std::vector<uint8_t> bytes(65536 * 2);
    for (uint32_t h = 0; h < 65536; ++h) std::memcpy(bytes.data() + 2 * h, &h, 2);  // little-endian
    std::vector<float> got(65536);
    ASSERT_TRUE(gguf::dequantize_rows(type, bytes, 65536, got).has_value());
    const auto want = oracle_ggml::dequantize(type, bytes, 65536, 1);
    for (uint32_t h = 0; h < 65536; ++h) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[h]), std::bit_cast<uint32_t>(want[h])) << "half 0x" << std::hex << h;
    }
}

// Floats at and around every half's rounding boundary, specials included.
TEST_P(HalfTypes, BoundaryFloatsQuantizeAsGgml) {
    const auto type = GetParam();
    std::vector<float> values;
    for (uint32_t top = 0; top < 65536; ++top) {
        for (uint32_t low : {0x0000u, 0x0001u, 0x0fffu, 0x1000u, 0x1001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu}) {
            values.push_back(std::bit_cast<float>(top << 16 | low));
        }
    }
    const auto want = oracle_ggml::quantize(type, values, static_cast<int64_t>(values.size()), {});
    std::vector<uint8_t> got(want.size());
    ASSERT_TRUE(gguf::quantize_rows(type, values, values.size(), {}, got, oracle_ggml::release()).has_value());
    for (size_t i = 0; i < values.size(); ++i) {
        ASSERT_EQ(std::memcmp(got.data() + 2 * i, want.data() + 2 * i, 2), 0) << "float 0x" << std::hex << std::bit_cast<uint32_t>(values[i]);
    }
}

// The vector conversions align their stores to the output: every start
// within a vector's width (odd addresses included) gives ggml's bytes, NaNs
// among the values too.
TEST_P(HalfTypes, OutputAtAnyAlignmentQuantizesAsGgml) {
    const auto type = GetParam();
    std::vector<float> values(4096 + 37);
    for (size_t i = 0; i < values.size(); ++i) values[i] = std::ldexp(static_cast<float>(i % 977) - 488.5f, static_cast<int>(i % 29) - 14);
    values[100] = std::bit_cast<float>(0x7fc12345u);
    values[2049] = -std::bit_cast<float>(0x7f812345u);
    const auto want = oracle_ggml::quantize(type, values, static_cast<int64_t>(values.size()), {});
    std::vector<uint8_t> buffer(want.size() + 64);
    for (size_t offset = 0; offset < 64; ++offset) {
        const std::span<uint8_t> got(buffer.data() + offset, want.size());
        ASSERT_TRUE(gguf::quantize_rows(type, values, values.size(), {}, got, oracle_ggml::release()).has_value());
        ASSERT_EQ(0, std::memcmp(got.data(), want.data(), want.size())) << "offset " << offset;
    }
}

INSTANTIATE_TEST_SUITE_P(Ggml, HalfTypes, testing::Values(gguf::TensorType::F16, gguf::TensorType::BF16),
                         [](const auto& info) { return std::string(gguf::type_display_name(info.param)); });

}  // namespace
