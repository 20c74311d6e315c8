// Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 rows against ggml: quantized bytes with and
// without importance weights, and dequantized floats, bit for bit.
#include <gtest/gtest.h>

#include "gguf/quant/cpu/quantize.h"
#include "oracle_ggml.h"
#include "quant_cases.h"

namespace {

using gguf::TensorType;

class LegacyTypes : public testing::TestWithParam<std::tuple<TensorType, bool>> {};

TEST_P(LegacyTypes, QuantizeAndDequantizeMatchGgml) {
    const auto [type, with_importance] = GetParam();
    ASSERT_FALSE(gguf::requires_importance(type));
    quant_cases::expect_quantize_matches_ggml(type, with_importance);
}

// Blocks of random bytes (every nibble, every fifth-bit pattern, scales of any
// magnitude) dequantize as ggml's to_float does.
TEST_P(LegacyTypes, DequantizeRandomBlocksMatchesGgml) {
    const auto [type, with_importance] = GetParam();
    if (with_importance) GTEST_SKIP() << "dequantize takes no importance";
    const std::vector<int> halves = type == TensorType::Q4_1 || type == TensorType::Q5_1 ? std::vector<int>{0, 2} : std::vector<int>{0};
    quant_cases::expect_random_blocks_dequantize_as_ggml(type, halves, 7);
}

INSTANTIATE_TEST_SUITE_P(Ggml, LegacyTypes,
                         testing::Combine(testing::Values(TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
                                                          TensorType::Q8_0),
                                          testing::Bool()),
                         [](const auto& info) { return quant_cases::type_and_importance_name(info.param); });

}  // namespace
