// Q2_K, Q3_K, Q4_K, Q5_K and Q6_K rows against ggml: quantized bytes with and
// without importance weights, through the vector and the scalar code, and
// dequantized floats bit for bit (Q8_K's too, through ggml's
// dequantize_row_q8_K: its type has no to_float).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <tuple>

#include "gguf/quant/cpu/quantize.h"
#include "oracle_ggml.h"
#include "quant_cases.h"

extern "C" void dequantize_row_q8_K(const void* x, float* y, int64_t k);

namespace {

using gguf::TensorType;

class KQuantTypes : public testing::TestWithParam<std::tuple<TensorType, bool>> {};

TEST_P(KQuantTypes, QuantizeAndDequantizeMatchGgml) {
    const auto [type, with_importance] = GetParam();
    ASSERT_FALSE(gguf::requires_importance(type));
    quant_cases::expect_quantize_matches_ggml(type, with_importance);
}

// Rows built to reach the searches' corners: sub-blocks of very different
// magnitudes, all-positive and all-negative sub-blocks, constant and
// near-constant ones, sparse ones, repeated values (ties), with importance
// that is sparse or spans many orders of magnitude.
TEST_P(KQuantTypes, CornerSubBlocksMatchGgml) {
    const auto [type, with_importance] = GetParam();
    const int64_t row_length = 4096, rows = 24;
    std::mt19937_64 rng(with_importance ? 17 : 19);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int> kind_of(0, 9);
    std::vector<float> values(rows * row_length);
    for (int64_t at = 0; at < rows * row_length; at += 16) {
        const int kind = kind_of(rng);
        const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 40) - 20);
        const float base = normal(rng) * scale;
        for (int k = 0; k < 16; ++k) {
            float v = normal(rng) * scale;
            switch (kind) {
                case 0: v = std::fabs(v) + scale; break;             // all positive, away from zero
                case 1: v = -std::fabs(v); break;                     // all negative
                case 2: v = base; break;                              // constant
                case 3: v = base + v * 1e-6f; break;                  // nearly constant
                case 4: v = (rng() % 8 == 0) ? v : 0.0f; break;       // sparse
                case 5: v = std::round(v / scale * 2) * scale; break;  // few distinct values
                case 6: v = 0.0f; break;                              // zero
                default: break;
            }
            values[at + k] = v;
        }
    }
    std::vector<float> importance;
    if (with_importance) {
        importance.resize(row_length);
        for (auto& w : importance) w = rng() % 5 == 0 ? 0.0f : std::ldexp(1.0f, static_cast<int>(rng() % 24) - 12);
    }
    const auto want = oracle_ggml::quantize(type, values, row_length, importance);
    std::vector<uint8_t> got(want.size());
    ASSERT_TRUE(gguf::quantize_rows(type, values, row_length, importance, got, oracle_ggml::release()).has_value());
    ASSERT_EQ(quant_cases::first_difference(got, want, type, row_length), "");
}

// Blocks of random bytes (every quant and scale pattern) dequantize as ggml's
// to_float does; the fp16 scales are kept finite.
TEST_P(KQuantTypes, DequantizeRandomBlocksMatchesGgml) {
    const auto [type, with_importance] = GetParam();
    if (with_importance) GTEST_SKIP() << "dequantize takes no importance";
    // Offsets of each block's fp16 fields.
    std::vector<int> halves;
    switch (type) {
        case TensorType::Q2_K: halves = {80, 82}; break;
        case TensorType::Q3_K: halves = {108}; break;
        case TensorType::Q4_K:
        case TensorType::Q5_K: halves = {0, 2}; break;
        case TensorType::Q6_K: halves = {208}; break;
        default: FAIL();
    }
    quant_cases::expect_random_blocks_dequantize_as_ggml(type, halves, 11);
}

INSTANTIATE_TEST_SUITE_P(Ggml, KQuantTypes,
                         testing::Combine(testing::Values(TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K,
                                                          TensorType::Q6_K),
                                          testing::Bool()),
                         [](const auto& info) { return quant_cases::type_and_importance_name(info.param); });

// Q8_K is read, never written: random blocks with finite fp32 scales read as
// ggml's dequantize_row_q8_K reads them.
TEST(KQuantQ8K, DequantizeRandomBlocksMatchesGgml) {
    const auto type = TensorType::Q8_K;
    EXPECT_FALSE(gguf::can_quantize(type));
    ASSERT_TRUE(gguf::can_dequantize(type));
    const auto traits = *gguf::type_traits(static_cast<uint32_t>(type));
    const int64_t row_length = traits.block_size * 8, rows = 8;
    std::vector<uint8_t> bytes(rows * row_length / traits.block_size * traits.block_bytes);
    std::mt19937_64 rng(13);
    std::normal_distribution<float> scale(0.0f, 3.0f);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    for (size_t at = 0; at < bytes.size(); at += traits.block_bytes) {
        const float d = scale(rng);
        std::memcpy(bytes.data() + at, &d, sizeof d);
    }
    std::vector<float> got(rows * row_length), want(rows * row_length);
    ASSERT_TRUE(gguf::dequantize_rows(type, bytes, row_length, got).has_value());
    dequantize_row_q8_K(bytes.data(), want.data(), rows * row_length);
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)));
}

}  // namespace
