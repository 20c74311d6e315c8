// TQ1_0, TQ2_0, MXFP4, NVFP4, Q1_0 and Q2_0 rows against ggml: quantized bytes with and
// without importance weights (which ggml ignores for these types), and
// dequantized floats, bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "gguf/quantize.h"
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
