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

}  // namespace
