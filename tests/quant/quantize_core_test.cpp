// The quantize core without the oracle: argument checks, and every kernel
// run end to end (quantize, dequantize) so the sanitizer build exercises
// them all. Exactness against ggml is tests/oracle_quant's job; here the
// round trip must stay finite and close to the input, and the output must
// not depend on how rows are grouped or how many threads quantize them.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "gguf/quant/cpu/quantize.h"

namespace {

std::vector<gguf::TensorType> quantizable_types() {
    std::vector<gguf::TensorType> out;
    for (uint32_t id = 0; id < gguf::kTensorTypeCount; ++id) {
        if (gguf::type_is_usable(id) && gguf::can_quantize(gguf::TensorType(id))) out.push_back(gguf::TensorType(id));
    }
    return out;
}

std::vector<float> normal_rows(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

class EveryType : public testing::TestWithParam<gguf::TensorType> {};

TEST_P(EveryType, RoundTripIsFiniteAndCloseToTheInput) {
    const auto type = GetParam();
    constexpr uint64_t kRow = 512, kRows = 6;
    const auto src = normal_rows(kRow * kRows, 7);
    std::vector<float> importance(kRow);
    for (size_t i = 0; i < kRow; ++i) importance[i] = 0.5f + float(i % 7);
    std::vector<uint8_t> q(kRows * *gguf::row_bytes(type, kRow));
    auto ok = gguf::quantize_rows(type, src, kRow, importance, q);
    ASSERT_TRUE(ok) << ok.error().to_string();
    std::vector<float> back(src.size());
    ASSERT_TRUE(gguf::dequantize_rows(type, q, kRow, back));
    double err = 0, energy = 0;
    for (size_t i = 0; i < src.size(); ++i) {
        ASSERT_TRUE(std::isfinite(back[i])) << i;
        err += (back[i] - src[i]) * (back[i] - src[i]);
        energy += src[i] * src[i];
    }
    // Even the 1.5-bit types keep most of the signal; 8-bit ones nearly all.
    EXPECT_LT(std::sqrt(err / energy), 0.9) << gguf::type_display_name(type);
}

TEST_P(EveryType, RowsQuantizeTheSameAloneOrTogether) {
    const auto type = GetParam();
    constexpr uint64_t kRow = 256, kRows = 4;
    const auto src = normal_rows(kRow * kRows, 11);
    std::vector<float> importance(kRow, 1.0f);
    const uint64_t row = *gguf::row_bytes(type, kRow);
    std::vector<uint8_t> together(kRows * row), alone(row);
    ASSERT_TRUE(gguf::quantize_rows(type, src, kRow, importance, together));
    for (uint64_t r = 0; r < kRows; ++r) {
        ASSERT_TRUE(gguf::quantize_rows(type, std::span(src).subspan(r * kRow, kRow), kRow, importance, alone));
        EXPECT_TRUE(std::equal(alone.begin(), alone.end(), together.begin() + static_cast<long>(r * row))) << "row " << r;
    }
}

INSTANTIATE_TEST_SUITE_P(Types, EveryType, testing::ValuesIn(quantizable_types()),
                         [](const auto& info) { return std::string(gguf::type_display_name(info.param)); });

TEST(QuantizeCore, RefusesWhatCannotBeQuantized) {
    const auto src = normal_rows(64, 1);
    std::vector<uint8_t> dst(64);
    auto partial = gguf::quantize_rows(gguf::TensorType::Q8_0, src, 48, {}, dst);
    ASSERT_FALSE(partial);
    EXPECT_NE(partial.error().message.find("not a multiple"), std::string::npos) << partial.error().to_string();
    auto wrong_size = gguf::quantize_rows(gguf::TensorType::Q8_0, src, 64, {}, dst);
    ASSERT_FALSE(wrong_size);
    EXPECT_NE(wrong_size.error().message.find("need 68"), std::string::npos) << wrong_size.error().to_string();
    if (gguf::can_quantize(gguf::TensorType::IQ2_XXS)) {
        const auto rows = normal_rows(256, 2);
        std::vector<uint8_t> out(*gguf::row_bytes(gguf::TensorType::IQ2_XXS, 256));
        auto missing = gguf::quantize_rows(gguf::TensorType::IQ2_XXS, rows, 256, {}, out);
        ASSERT_FALSE(missing);
        EXPECT_NE(missing.error().message.find("importance"), std::string::npos);
    }
    std::vector<float> floats(32);
    auto unsupported = gguf::dequantize_rows(gguf::TensorType::Q8_1, std::vector<uint8_t>(36), 32, floats);
    EXPECT_FALSE(unsupported);
}

}  // namespace
