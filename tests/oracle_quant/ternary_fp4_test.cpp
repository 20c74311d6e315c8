// TQ1_0, TQ2_0, MXFP4, NVFP4, Q1_0 and Q2_0 rows against ggml: quantized bytes with and
// without importance weights (which ggml ignores for these types), and
// dequantized floats, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "gguf/quant/cpu/quantize.h"
#include "oracle_ggml.h"
#include "quant_cases.h"

namespace {

using gguf::TensorType;

class TernaryFp4Types : public testing::TestWithParam<std::tuple<TensorType, bool>> {};

TEST_P(TernaryFp4Types, QuantizeAndDequantizeMatchGgml) {
    const auto [type, with_importance] = GetParam();
    ASSERT_FALSE(gguf::requires_importance(type));
    quant_cases::expect_quantize_matches_ggml(type, with_importance);
}

// Blocks holding NaN or infinity (at the start, middle or end), subnormal
// values whose inverse scale overflows, and zeros: the vector kernels hand
// such blocks to the scalar code, which must still write ggml's bytes.
TEST_P(TernaryFp4Types, NonFiniteAndSubnormalBlocksMatchGgml) {
    const auto [type, with_importance] = GetParam();
    if (with_importance) GTEST_SKIP() << "ggml ignores importance for these types";
    const int64_t row_length = 256, rows = 12;
    std::mt19937_64 rng(11);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> values(rows * row_length);
    for (auto& x : values) x = normal(rng);
    const float specials[] = {NAN, INFINITY, -INFINITY};
    for (int64_t r = 0; r < 9; ++r) {
        const int64_t at = (r % 3 == 0 ? 0 : r % 3 == 1 ? 77 : row_length - 1);
        values[r * row_length + at] = specials[r / 3];
    }
    for (int64_t i = 0; i < row_length; ++i) values[9 * row_length + i] = normal(rng) * 1e-40f;
    for (int64_t i = 0; i < row_length; ++i) values[10 * row_length + i] = 0.0f;
    for (int64_t i = 0; i < row_length; ++i) values[11 * row_length + i] = normal(rng) * 3e-39f;
    const auto want = oracle_ggml::quantize(type, values, row_length, {});
    std::vector<uint8_t> got(want.size());
    ASSERT_TRUE(gguf::quantize_rows(type, values, row_length, {}, got, oracle_ggml::release()).has_value());
    EXPECT_EQ(quant_cases::first_difference(got, want, type, row_length), "") << gguf::type_display_name(type);
}

// Blocks of random bytes (every code, every scale byte, fp16 scales of any
// finite magnitude) dequantize as ggml's to_float does.
TEST_P(TernaryFp4Types, DequantizeRandomBlocksMatchesGgml) {
    const auto [type, with_importance] = GetParam();
    if (with_importance) GTEST_SKIP() << "dequantize takes no importance";
    std::vector<int> halves;  // MXFP4 and NVFP4 scales are not halves
    if (type == TensorType::TQ1_0) halves = {52};
    if (type == TensorType::TQ2_0) halves = {64};
    if (type == TensorType::Q1_0 || type == TensorType::Q2_0) halves = {0};
    quant_cases::expect_random_blocks_dequantize_as_ggml(type, halves, 7);
}

INSTANTIATE_TEST_SUITE_P(Ggml, TernaryFp4Types,
                         testing::Combine(testing::Values(TensorType::TQ1_0, TensorType::TQ2_0, TensorType::MXFP4, TensorType::NVFP4,
                                                          TensorType::Q1_0, TensorType::Q2_0),
                                          testing::Bool()),
                         [](const auto& info) { return quant_cases::type_and_importance_name(info.param); });

}  // namespace
