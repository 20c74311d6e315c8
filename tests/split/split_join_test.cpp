// Split sets: written as llama-gguf-split writes them, opened through any
// shard, joined back byte for byte; incomplete or inconsistent sets refused.
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/split/model.h"
#include "gguf/split/split_naming.h"
#include "gguf/plan/writer.h"
#include "test_support.h"

using gguf_test::TempDir;

namespace {

gguf::Result<gguf::WriteReport> write_split(const gguf::Plan& plan, const std::string& prefix, gguf::SplitLimits limits) {
    gguf::WriteOptions options;
    options.output = prefix;
    options.split = limits;
    return gguf::write_plan(plan, options);
}

struct SplitCase {
    uint64_t seed;
    gguf::SplitLimits limits;
};

class SplitJoin : public testing::TestWithParam<SplitCase> {};

TEST_P(SplitJoin, JoinOfSplitIsTheOriginalByteForByte) {
    const auto& c = GetParam();
    gguf_test::RandomPlanOptions options;
    options.tensors = 9;
    options.alignment = c.seed % 2 ? 0 : 64;
    const gguf::Plan plan = gguf_test::random_plan(c.seed, options);
    TempDir dir;
    gguf_test::write_plan_or_fail(plan, dir.file("model.gguf"));
    auto original = gguf::Model::open(dir.file("model.gguf"));
    ASSERT_TRUE(original.has_value());

    auto report = write_split(gguf::plan_copy(*original), dir.file("parts.gguf"), c.limits);
    ASSERT_TRUE(report.has_value()) << report.error().to_string();
    const uint32_t count = static_cast<uint32_t>(report->files.size());
    for (uint32_t i = 0; i < count; ++i) {
        EXPECT_EQ(report->files[i].path, gguf::split_path(dir.file("parts"), i, count));
        EXPECT_EQ(std::filesystem::file_size(report->files[i].path), report->files[i].file_bytes);
    }

    // Any shard opens the whole set.
    for (uint32_t i = 0; i < count; ++i) {
        auto set = gguf::Model::open(report->files[i].path);
        ASSERT_TRUE(set.has_value()) << set.error().to_string();
        EXPECT_EQ(set->shard_count(), count);
        ASSERT_EQ(set->tensors().size(), plan.tensors.size());
        for (size_t t = 0; t < plan.tensors.size(); ++t) {
            const auto data = set->data(set->tensors()[t]);
            EXPECT_EQ(std::vector<uint8_t>(data.begin(), data.end()),
                      gguf_test::pattern_bytes(plan.tensors[t].info.name, c.seed, plan.tensors[t].info.n_bytes));
        }
    }

    auto set = gguf::Model::open(report->files.back().path);
    ASSERT_TRUE(set.has_value());
    gguf_test::write_plan_or_fail(gguf::plan_copy(*set), dir.file("joined.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("joined.gguf")), gguf_test::read_file(dir.file("model.gguf")));
}

std::vector<SplitCase> split_cases() {
    std::vector<SplitCase> cases;
    uint64_t seed = 100;
    for (uint32_t n : {1u, 2u, 4u, 128u}) cases.push_back({seed++, {0, n, false}});
    for (uint64_t bytes : {1ull, 300ull, 2000ull, 1ull << 30}) cases.push_back({seed++, {bytes, 0, false}});
    cases.push_back({seed++, {0, 3, true}});
    cases.push_back({seed++, {500, 2, false}});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Limits, SplitJoin, testing::ValuesIn(split_cases()), [](const testing::TestParamInfo<SplitCase>& info) {
    const auto& l = info.param.limits;
    return "bytes" + std::to_string(l.max_bytes) + "_tensors" + std::to_string(l.max_tensors) +
           (l.no_tensor_first_split ? "_no_tensor_first" : "");
});

TEST(SplitSet, ShardKeysFollowLlamaGgufSplit) {
    const gguf::Plan plan = gguf_test::random_plan(7, {.tensors = 5, .keys = 3});
    TempDir dir;
    auto report = write_split(plan, dir.file("m"), {0, 2, false});
    ASSERT_TRUE(report.has_value());
    ASSERT_EQ(report->files.size(), 3u);
    auto first = gguf::GgufFile::open(report->files[0].path);
    auto second = gguf::GgufFile::open(report->files[1].path);
    ASSERT_TRUE(first && second);
    // Shard 1: every key, then the split keys appended; later shards: only the split keys.
    const auto& e = first->metadata().entries();
    ASSERT_EQ(e.size(), plan.metadata.size() + 3);
    EXPECT_EQ(e[e.size() - 3].key, "split.no");
    EXPECT_EQ(e[e.size() - 3].value, gguf::Value::u16(0));
    EXPECT_EQ(e[e.size() - 2].value, gguf::Value::u16(3));
    EXPECT_EQ(e[e.size() - 1].value, gguf::Value::i32(5));
    ASSERT_EQ(second->metadata().size(), 3u);
    EXPECT_EQ(*second->metadata().find("split.no"), gguf::Value::u16(1));
    EXPECT_EQ(second->tensors().size(), 2u);
}

class BrokenSet : public testing::Test {
protected:
    void SetUp() override {
        plan_ = gguf_test::random_plan(11, {.tensors = 6, .keys = 2});
        auto report = write_split(plan_, dir_.file("m"), {0, 2, false});
        ASSERT_TRUE(report.has_value());
        ASSERT_EQ(report->files.size(), 3u);
    }
    std::string shard(uint32_t i) const { return gguf::split_path(dir_.file("m"), i, 3); }
    gguf::Plan plan_;
    TempDir dir_;
};

TEST_F(BrokenSet, MissingShardIsNamed) {
    std::filesystem::remove(shard(1));
    for (uint32_t i : {0u, 2u}) {
        auto set = gguf::Model::open(shard(i));
        ASSERT_FALSE(set.has_value());
        EXPECT_EQ(set.error().code, gguf::ErrorCode::not_found);
        EXPECT_EQ(set.error().file, shard(1));
    }
}

TEST_F(BrokenSet, ShardFromAnotherSetIsRefused) {
    // Replace shard 2 by a shard 2 of a different split (other count).
    auto other = write_split(plan_, dir_.file("o"), {0, 3, false});
    ASSERT_TRUE(other.has_value());
    std::filesystem::copy_file(other->files[1].path, shard(1), std::filesystem::copy_options::overwrite_existing);
    auto set = gguf::Model::open(shard(0));
    ASSERT_FALSE(set.has_value());
    EXPECT_EQ(set.error().code, gguf::ErrorCode::mismatch);
    EXPECT_NE(set.error().message.find("split.count"), std::string::npos) << set.error().to_string();
}

TEST_F(BrokenSet, RenamedShardWithWrongNumberIsRefused) {
    std::filesystem::copy_file(shard(2), shard(1), std::filesystem::copy_options::overwrite_existing);
    auto set = gguf::Model::open(shard(0));
    ASSERT_FALSE(set.has_value());
    EXPECT_NE(set.error().message.find("split.no is 2, expected 1"), std::string::npos) << set.error().to_string();
}

TEST_F(BrokenSet, ShardWithoutSplitNameIsRefused) {
    std::filesystem::copy_file(shard(0), dir_.file("renamed.gguf"));
    auto set = gguf::Model::open(dir_.file("renamed.gguf"));
    ASSERT_FALSE(set.has_value());
    EXPECT_EQ(set.error().code, gguf::ErrorCode::invalid_argument);
}

}  // namespace
