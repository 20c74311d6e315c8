#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "gguf/format/value.h"

using gguf::Value;
using gguf::ValueType;

TEST(Value, IntegersConvertAcrossWidthsOnlyWhenTheyFit) {
    EXPECT_EQ(Value::u32(7).as_uint(), 7u);
    EXPECT_EQ(Value::i8(-3).as_int(), -3);
    EXPECT_FALSE(Value::i32(-1).as_uint().has_value());
    EXPECT_FALSE(Value::u64(UINT64_MAX).as_int().has_value());
    EXPECT_EQ(Value::u64(UINT64_MAX).as_uint(), UINT64_MAX);
    EXPECT_FALSE(Value::f32(1.0f).as_int().has_value());
    EXPECT_FALSE(Value::string("7").as_uint().has_value());
}

TEST(Value, FloatsKeepTheirExactBits) {
    const uint32_t nan_bits = 0x7fc00123;
    float nan;
    std::memcpy(&nan, &nan_bits, 4);
    const Value v = Value::f32(nan);
    ASSERT_EQ(v.encoded().size(), 4u);
    uint32_t back;
    std::memcpy(&back, v.encoded().data(), 4);
    EXPECT_EQ(back, nan_bits);
    EXPECT_TRUE(std::isnan(*v.as_float()));
}

TEST(Value, StringArraysDecodeToTheirElements) {
    const std::vector<std::string> tokens = {"a", "", std::string("\0b", 2), "long token"};
    const Value v = Value::string_array(tokens);
    EXPECT_EQ(v.type(), ValueType::array);
    EXPECT_EQ(v.element_type(), ValueType::string);
    EXPECT_EQ(v.array_size(), tokens.size());
    EXPECT_EQ(v.string_elements(), tokens);
    EXPECT_EQ(v.elements(2).size(), 2u);
}

TEST(Value, CopiesAndElementsShareTheArraysBytes) {
    const std::vector<std::string> tokens = {"x", "yy", "zzz"};
    const Value v = Value::string_array(tokens);
    const Value copy = v;
    EXPECT_EQ(copy.encoded().data(), v.encoded().data());
    EXPECT_EQ(copy, v);
    auto it = v.elements().begin();
    ++it;
    EXPECT_EQ(it->encoded().data(), v.encoded().data() + 12 + 8 + 1) << "the second element lies in the array's bytes";
    // A range over a temporary keeps the bytes it walks alive.
    std::vector<std::string> walked;
    for (const Value& e : Value::string_array(tokens).elements()) walked.emplace_back(*e.as_string());
    EXPECT_EQ(walked, tokens);
}

TEST(Value, FirstElementsIsTheShorterArrayByteForByte) {
    const Value v = Value::int_array(ValueType::i32, std::vector<int64_t>{4, 5, 6, 7});
    EXPECT_EQ(v.first_elements(2), Value::int_array(ValueType::i32, std::vector<int64_t>{4, 5}));
    EXPECT_EQ(v.first_elements(0), Value::int_array(ValueType::i32, std::vector<int64_t>{}));
    EXPECT_EQ(v.first_elements(9), v);
    const Value names = Value::string_array(std::vector<std::string>{"a", "bb", "ccc"});
    EXPECT_EQ(names.first_elements(2), Value::string_array(std::vector<std::string>{"a", "bb"}));
}

TEST(Value, IntArraysRoundTripAtEveryWidth) {
    const std::vector<int64_t> items = {0, 1, -1, 127, -128};
    for (auto t : {ValueType::i8, ValueType::i16, ValueType::i32, ValueType::i64}) {
        EXPECT_EQ(Value::int_array(t, items).int_elements(), items) << gguf::value_type_name(t);
    }
}

TEST(Value, NestedArraysKeepTheirStructure) {
    const std::vector<Value> inner = {Value::int_array(ValueType::u16, std::vector<int64_t>{1, 2}),
                                      Value::int_array(ValueType::u16, std::vector<int64_t>{3})};
    const Value outer = Value::array_of(ValueType::array, inner);
    std::vector<Value> elements;
    for (const Value& e : outer.elements()) elements.push_back(e);
    ASSERT_EQ(elements.size(), 2u);
    EXPECT_EQ(elements[0], inner[0]);
    EXPECT_EQ(elements[1].int_elements(), std::vector<int64_t>{3});
}

TEST(Value, DisplaySummarisesLongArraysAndQuotesStrings) {
    std::vector<int64_t> many(100, 5);
    EXPECT_EQ(Value::int_array(ValueType::u32, many).to_display(), "[u32 x 100: 5, 5, 5, 5, 5, 5, 5, 5, ...]");
    EXPECT_EQ(Value::string("a\"b").to_display(), "\"a\\\"b\"");
    EXPECT_EQ(Value::boolean(true).to_display(), "true");
}
