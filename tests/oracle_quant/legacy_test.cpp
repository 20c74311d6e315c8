// Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 rows against ggml: quantized bytes with and
// without importance weights, and dequantized floats, bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "gguf/quantize.h"
#include "oracle_ggml.h"
#include "quant_cases.h"

namespace {

using gguf::TensorType;

class LegacyTypes : public testing::TestWithParam<std::tuple<TensorType, bool>> {};

TEST_P(LegacyTypes, QuantizeAndDequantizeMatchGgml) {
    const auto [type, with_importance] = GetParam();
    ASSERT_TRUE(gguf::can_quantize(type));
    ASSERT_FALSE(gguf::requires_importance(type));
    EXPECT_EQ(gguf::requires_importance(type), oracle_ggml::requires_importance(type));
    for (const auto& c : quant_cases::cases_for(type, with_importance)) {
        const auto want = oracle_ggml::quantize(type, c.values, c.row_length, c.importance);
        std::vector<uint8_t> got(want.size());
        ASSERT_TRUE(gguf::quantize_rows(type, c.values, c.row_length, c.importance, got).has_value()) << c.name;
        ASSERT_EQ(quant_cases::first_difference(got, want, type, c.row_length), "") << gguf::type_display_name(type) << " " << c.name;
        const int64_t rows = static_cast<int64_t>(c.values.size()) / c.row_length;
        std::vector<float> back(c.values.size());
        ASSERT_TRUE(gguf::dequantize_rows(type, want, c.row_length, back).has_value());
        const auto ref = oracle_ggml::dequantize(type, want, c.row_length, rows);
        ASSERT_EQ(0, std::memcmp(back.data(), ref.data(), back.size() * sizeof(float))) << c.name;
    }
}

// Blocks of random bytes (every nibble, every fifth-bit pattern, scales of any
// magnitude) dequantize as ggml's to_float does.
TEST_P(LegacyTypes, DequantizeRandomBlocksMatchesGgml) {
    const auto [type, with_importance] = GetParam();
    if (with_importance) GTEST_SKIP() << "dequantize takes no importance";
    const auto traits = *gguf::type_traits(static_cast<uint32_t>(type));
    const int64_t row_length = traits.block_size * 64, rows = 16;
    std::vector<uint8_t> bytes(rows * row_length / traits.block_size * traits.block_bytes);
    std::mt19937_64 rng(7);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    // Keep fp16 scales finite (float_test covers every half, NaNs included).
    const int halves = type == TensorType::Q4_1 || type == TensorType::Q5_1 ? 2 : 1;
    for (size_t at = 0; at < bytes.size(); at += traits.block_bytes) {
        for (int h = 0; h < halves; ++h) bytes[at + 2 * h + 1] &= 0xfb;
    }
    std::vector<float> got(rows * row_length);
    ASSERT_TRUE(gguf::dequantize_rows(type, bytes, row_length, got).has_value());
    const auto want = oracle_ggml::dequantize(type, bytes, row_length, rows);
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)));
}

INSTANTIATE_TEST_SUITE_P(Ggml, LegacyTypes,
                         testing::Combine(testing::Values(TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
                                                          TensorType::Q8_0),
                                          testing::Bool()),
                         [](const auto& info) {
                             return std::string(gguf::type_display_name(std::get<0>(info.param))) +
                                    (std::get<1>(info.param) ? "_imatrix" : "_plain");
                         });

}  // namespace
