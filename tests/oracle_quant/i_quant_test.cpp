// The i-quants (IQ4_NL ... IQ1_M) against ggml: quantized bytes, dequantized
// floats and which types need importance weights.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "gguf/quant/cpu/quantize.h"
#include "oracle_ggml.h"
#include "quant_cases.h"

namespace {

using gguf::TensorType;

class IQuants : public testing::TestWithParam<TensorType> {};

// Floats equal bit for bit (any NaN matching any NaN); the first mismatch.
std::string first_float_difference(const std::vector<float>& got, const std::vector<float>& want, int64_t row_length) {
    if (got.size() != want.size()) return "sizes differ";
    for (size_t i = 0; i < got.size(); ++i) {
        if (std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(want[i]) && !(std::isnan(got[i]) && std::isnan(want[i]))) {
            return "row " + std::to_string(i / row_length) + " value " + std::to_string(i % row_length) + ": " + std::to_string(got[i]) +
                   " vs " + std::to_string(want[i]);
        }
    }
    return "";
}

void check_cases(TensorType type, bool with_importance) {
    for (const auto& c : quant_cases::cases_for(type, with_importance)) {
        const auto want = oracle_ggml::quantize(type, c.values, c.row_length, c.importance);
        std::vector<uint8_t> got(want.size());
        ASSERT_TRUE(gguf::quantize_rows(type, c.values, c.row_length, c.importance, got, oracle_ggml::release()).has_value()) << c.name;
        ASSERT_EQ(quant_cases::first_difference(got, want, type, c.row_length), "") << c.name;
        const int64_t rows = static_cast<int64_t>(c.values.size()) / c.row_length;
        std::vector<float> back(c.values.size());
        ASSERT_TRUE(gguf::dequantize_rows(type, want, c.row_length, back).has_value()) << c.name;
        ASSERT_EQ(first_float_difference(back, oracle_ggml::dequantize(type, want, c.row_length, rows), c.row_length), "") << c.name;
    }
}

// The cases hold blocks on which the releases' IQ1_M scorings choose
// differently, so comparing with each release's ggml tells them apart.
TEST(Iq1mReleases, CasesTellTheReleasesApart) {
    size_t differing = 0;
    for (bool with_importance : {false, true}) {
        for (const auto& c : quant_cases::cases_for(TensorType::IQ1_M, with_importance)) {
            std::vector<uint8_t> v040(*gguf::row_bytes(TensorType::IQ1_M, c.row_length) * (c.values.size() / c.row_length));
            std::vector<uint8_t> v050(v040.size());
            ASSERT_TRUE(gguf::quantize_rows(TensorType::IQ1_M, c.values, c.row_length, c.importance, v040, gguf::LlamaRelease::v0_4_0));
            ASSERT_TRUE(gguf::quantize_rows(TensorType::IQ1_M, c.values, c.row_length, c.importance, v050, gguf::LlamaRelease::v0_5_0));
            differing += v040 != v050;
        }
    }
    EXPECT_GT(differing, 0u);
}

TEST_P(IQuants, RequiresImportanceMatchesGgml) {
    const auto type = GetParam();
    EXPECT_EQ(gguf::requires_importance(type), oracle_ggml::requires_importance(type));
    if (gguf::requires_importance(type)) {
        std::vector<float> src(256, 1.0f);
        std::vector<uint8_t> dst(*gguf::row_bytes(type, 256));
        EXPECT_FALSE(gguf::quantize_rows(type, src, 256, {}, dst, oracle_ggml::release()).has_value());
    }
}

// Both modes in one test: under ctest each test is a process, and ggml spends
// seconds building its IQ1/IQ2 tables in each.
TEST_P(IQuants, QuantizeMatchesGgml) {
    const auto type = GetParam();
    ASSERT_TRUE(gguf::can_quantize(type));
    if (!oracle_ggml::requires_importance(type)) {
        SCOPED_TRACE("without importance weights");
        check_cases(type, false);
        if (HasFatalFailure()) return;
    }
    SCOPED_TRACE("with importance weights");
    check_cases(type, true);
}

// Random blocks reach every grid point, sign pattern and scale code.
TEST_P(IQuants, DequantizeRandomBlocksMatchesGgml) {
    const auto type = GetParam();
    ASSERT_TRUE(gguf::can_dequantize(type));
    const int64_t row_length = 4096, rows = 8;
    std::vector<uint8_t> src(*gguf::row_bytes(type, row_length) * rows);
    std::mt19937_64 rng(static_cast<uint64_t>(type));
    for (auto& b : src) b = static_cast<uint8_t>(rng());
    std::vector<float> back(row_length * rows);
    ASSERT_TRUE(gguf::dequantize_rows(type, src, row_length, back).has_value());
    ASSERT_EQ(first_float_difference(back, oracle_ggml::dequantize(type, src, row_length, rows), row_length), "");
}

INSTANTIATE_TEST_SUITE_P(Ggml, IQuants,
                         testing::Values(TensorType::IQ4_NL, TensorType::IQ4_XS, TensorType::IQ3_S, TensorType::IQ3_XXS, TensorType::IQ2_S,
                                         TensorType::IQ2_XS, TensorType::IQ2_XXS, TensorType::IQ1_S, TensorType::IQ1_M),
                         [](const auto& info) { return std::string(gguf::type_display_name(info.param)); });

}  // namespace
