// F16, BF16 and F32 rows, against ggml.
#include <gtest/gtest.h>

#include <cstring>

#include "gguf/quantize.h"
#include "oracle_ggml.h"
#include "quant_cases.h"

namespace {

class FloatTypes : public testing::TestWithParam<gguf::TensorType> {};

TEST_P(FloatTypes, QuantizeAndDequantizeMatchGgml) {
    const auto type = GetParam();
    if (!gguf::can_quantize(type)) GTEST_SKIP() << "not implemented yet";
    for (const auto& c : quant_cases::cases_for(type, false)) {
        const auto want = oracle_ggml::quantize(type, c.values, c.row_length, {});
        std::vector<uint8_t> got(want.size());
        ASSERT_TRUE(gguf::quantize_rows(type, c.values, c.row_length, {}, got).has_value()) << c.name;
        ASSERT_EQ(quant_cases::first_difference(got, want, type, c.row_length), "") << c.name;
        const int64_t rows = static_cast<int64_t>(c.values.size()) / c.row_length;
        std::vector<float> back(c.values.size());
        ASSERT_TRUE(gguf::dequantize_rows(type, want, c.row_length, back).has_value());
        const auto ref = oracle_ggml::dequantize(type, want, c.row_length, rows);
        ASSERT_EQ(0, std::memcmp(back.data(), ref.data(), back.size() * sizeof(float))) << c.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Ggml, FloatTypes, testing::Values(gguf::TensorType::F32, gguf::TensorType::F16, gguf::TensorType::BF16),
                         [](const auto& info) { return std::string(gguf::type_display_name(info.param)); });

}  // namespace
