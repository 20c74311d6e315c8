// Seed-driven round trips: a random plan written, read back and compared;
// and write(read(X)) == X byte for byte. The seed is in the test name, so a
// failure replays.
#include <gtest/gtest.h>

#include "gguf/split/model.h"
#include "gguf/plan/writer.h"
#include "test_support.h"

using gguf_test::RandomPlanOptions;
using gguf_test::TempDir;

namespace {

void expect_file_matches_plan(const gguf::GgufFile& f, const gguf::Plan& plan, uint64_t seed) {
    EXPECT_EQ(f.version(), plan.version);
    EXPECT_TRUE(f.metadata() == plan.metadata);
    ASSERT_EQ(f.tensors().size(), plan.tensors.size());
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        const auto& got = f.tensors()[i];
        const auto& want = plan.tensors[i].info;
        EXPECT_EQ(got.name, want.name);
        EXPECT_EQ(got.type, want.type);
        EXPECT_EQ(got.n_dims, want.n_dims);
        EXPECT_EQ(got.ne, want.ne);
        EXPECT_EQ(got.offset % f.alignment(), 0u);
        const auto data = f.tensor_data(i);
        EXPECT_EQ(std::vector<uint8_t>(data.begin(), data.end()), gguf_test::pattern_bytes(want.name, seed, want.n_bytes))
            << want.name;
    }
}

class RoundTrip : public testing::TestWithParam<uint64_t> {};

TEST_P(RoundTrip, WrittenPlanReadsBackAndRewritesIdentically) {
    const uint64_t seed = GetParam();
    RandomPlanOptions options;
    options.alignment = seed % 3 == 0 ? 64 : seed % 3 == 1 ? 0 : 1;
    options.version = seed % 5 == 0 ? 2 : 3;
    options.tensors = seed % 7;
    const gguf::Plan plan = gguf_test::random_plan(seed, options);
    TempDir dir;
    gguf_test::write_plan_or_fail(plan, dir.file("a.gguf"));

    auto file = gguf::GgufFile::open(dir.file("a.gguf"));
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    expect_file_matches_plan(*file, plan, seed);

    auto model = gguf::Model::open(dir.file("a.gguf"));
    ASSERT_TRUE(model.has_value()) << model.error().to_string();
    gguf_test::write_plan_or_fail(gguf::plan_copy(*model), dir.file("b.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("a.gguf")), gguf_test::read_file(dir.file("b.gguf")));
}

INSTANTIATE_TEST_SUITE_P(Seeds, RoundTrip, testing::Range<uint64_t>(1, 41));

TEST(RoundTripZstd, CompressedOutputReadsBackAsTheSameModel) {
    const gguf::Plan plan = gguf_test::random_plan(99);
    TempDir dir;
    gguf_test::write_plan_or_fail(plan, dir.file("a.gguf"));
    gguf_test::write_plan_or_fail(plan, dir.file("a.gguf.zst"));
    EXPECT_LT(gguf_test::read_file(dir.file("a.gguf.zst")).size(), gguf_test::read_file(dir.file("a.gguf")).size() + 64);

    auto model = gguf::Model::open(dir.file("a.gguf.zst"));
    ASSERT_TRUE(model.has_value()) << model.error().to_string();
    gguf_test::write_plan_or_fail(gguf::plan_copy(*model), dir.file("b.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("a.gguf")), gguf_test::read_file(dir.file("b.gguf")));
}

// A vocabulary of real size: its arrays stay the bytes the file holds, are
// written back unchanged, and still give every element on demand.
TEST(RoundTripLargeArray, TwoHundredThousandTokensRewriteIdenticallyAndReadBackOnDemand) {
    std::vector<std::string> tokens;
    std::vector<int64_t> types;
    for (uint32_t i = 0; i < 200000; ++i) {
        tokens.push_back(std::string(i % 13, char('a' + i % 26)) + "\xc4\xa0" + std::to_string(i));
        types.push_back(i % 5 == 0 ? 3 : 1);
    }
    tokens[77] = "";  // an empty element among the others
    gguf::Plan plan;
    plan.metadata.append("general.architecture", gguf::Value::string("llama"));
    plan.metadata.append("tokenizer.ggml.tokens", gguf::Value::string_array(tokens));
    plan.metadata.append("tokenizer.ggml.token_type", gguf::Value::int_array(gguf::ValueType::i32, types));
    plan.metadata.append("tokenizer.ggml.eos_token_id", gguf::Value::u32(199999));
    plan.tensors = gguf_test::random_plan(5, {.tensors = 1}).tensors;
    TempDir dir;
    gguf_test::write_plan_or_fail(plan, dir.file("a.gguf"));

    auto model = gguf::Model::open(dir.file("a.gguf"));
    ASSERT_TRUE(model.has_value()) << model.error().to_string();
    gguf_test::write_plan_or_fail(gguf::plan_copy(*model), dir.file("b.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("a.gguf")), gguf_test::read_file(dir.file("b.gguf")));

    const gguf::Value& read = *model->metadata().find("tokenizer.ggml.tokens");
    ASSERT_EQ(read.array_size(), tokens.size());
    size_t i = 0;
    for (const gguf::Value& token : read.elements()) {
        ASSERT_EQ(token.as_string(), tokens[i]) << "token " << i;
        ++i;
    }
    EXPECT_EQ(i, tokens.size());
    EXPECT_EQ(model->metadata().find("tokenizer.ggml.token_type")->int_elements(), types);
    EXPECT_EQ(read.first_elements(3).string_elements(), std::vector<std::string>(tokens.begin(), tokens.begin() + 3));

    // A copy of the metadata (every plan makes one) shares the array's bytes.
    const gguf::Metadata copy = model->metadata();
    EXPECT_EQ(copy.find("tokenizer.ggml.tokens")->encoded().data(), read.encoded().data());
}

// Parsed values own their bytes: the buffer they were parsed from may go.
TEST(RoundTripLargeArray, ParsedValuesOutliveTheBytesTheyWereParsedFrom) {
    const gguf::Plan plan = gguf_test::random_plan(7, {.tensors = 2});
    TempDir dir;
    gguf_test::write_plan_or_fail(plan, dir.file("a.gguf"));
    auto bytes = gguf_test::read_file(dir.file("a.gguf"));
    auto header = gguf::parse_header(bytes, bytes.size(), "a.gguf");
    ASSERT_TRUE(header.has_value()) << header.error().to_string();
    std::fill(bytes.begin(), bytes.end(), 0xEE);
    bytes.clear();
    bytes.shrink_to_fit();
    EXPECT_TRUE(header->metadata == plan.metadata);
}

}  // namespace
