// Merging imatrix files gives what llama-imatrix gives for the same
// --in-file list: the expected values below follow its rule by hand.
#include <gtest/gtest.h>

#include <algorithm>

#include "gguf/imatrix/imatrix.h"
#include "imatrix_files.h"
#include "test_support.h"

using gguf_test::TempDir;
using namespace imatrix_test;

namespace {

class ImatrixMerge : public testing::Test {
protected:
    void SetUp() override {
        gguf_test::write_plan_or_fail(gguf_imatrix_plan({{"a.weight", 2, {1.5f, 2}, {512}}, {"moe.weight", 1, {3, 0, 5}, {10, 0, 7}}},
                                                        {"a.txt"}, 1, 512),
                                      dir_.file("a.gguf"));
        gguf_test::write_file(dir_.file("b.dat"),
                              legacy_bytes({{"a.weight", 2, {0.25f, 1}}, {"moe.weight", 1, {2, 2, 2}}, {"only_b.weight", 3, {4}}}, 3, "b.txt"));
        gguf_test::write_plan_or_fail(gguf_imatrix_plan({{"a.weight", 2, {1, 1}, {100}}}, {"c1.txt", "c2.txt"}, 1, 512), dir_.file("c.gguf"));
    }

    gguf::Result<gguf::Imatrix> merge(const std::vector<std::string>& files, int32_t chunk_size = 512) {
        std::vector<gguf::Imatrix> inputs;
        std::vector<std::string> paths;
        for (const auto& f : files) {
            auto m = gguf::read_imatrix(dir_.file(f));
            EXPECT_TRUE(m) << m.error().to_string();
            inputs.push_back(*m);
            paths.push_back(dir_.file(f));
        }
        return gguf::merge_imatrices(inputs, paths, chunk_size);
    }

    TempDir dir_;
};

TEST_F(ImatrixMerge, SumsAndCountsCombineAsLlamaImatrixCombinesThem) {
    auto m = merge({"a.gguf", "b.dat", "c.gguf"});
    ASSERT_TRUE(m) << m.error().to_string();
    EXPECT_FALSE(m->legacy);
    // a: GGUF sums add; .dat values count chunk_size times (0.25 * 512 = 128), its calls as 2 * 512 tokens.
    EXPECT_EQ(m->entries.at("a.weight").sums, (std::vector<float>{1.5f + 128 + 1, 2 + 512 + 1}));
    EXPECT_EQ(m->entries.at("a.weight").counts, (std::vector<int64_t>{512 + 1024 + 100}));
    // moe: the .dat entry's one call count goes to every expert.
    EXPECT_EQ(m->entries.at("moe.weight").sums, (std::vector<float>{3 + 1024, 0 + 1024, 5 + 1024}));
    EXPECT_EQ(m->entries.at("moe.weight").counts, (std::vector<int64_t>{10 + 512, 0 + 512, 7 + 512}));
    // An entry in one input only is kept.
    EXPECT_EQ(m->entries.at("only_b.weight").sums, std::vector<float>{4 * 512});
    EXPECT_EQ(m->entries.at("only_b.weight").counts, std::vector<int64_t>{3 * 512});
    EXPECT_EQ(m->datasets, (std::vector<std::string>{"a.txt", "b.txt", "c1.txt", "c2.txt"}));
    EXPECT_EQ(m->chunk_count, 1636 / 512);  // the largest count over the chunk size
    EXPECT_EQ(m->chunk_size, 512);
    EXPECT_TRUE(m->has_metadata);
}

TEST_F(ImatrixMerge, ASingleCountSpreadsOverExpertsWhicheverComesFirst) {
    auto ab = merge({"a.gguf", "b.dat"});
    auto ba = merge({"b.dat", "a.gguf"});
    ASSERT_TRUE(ab && ba);
    EXPECT_EQ(ab->entries.at("moe.weight").counts, ba->entries.at("moe.weight").counts);
    EXPECT_EQ(ab->entries.at("moe.weight").sums, ba->entries.at("moe.weight").sums);
    EXPECT_EQ(ba->datasets, (std::vector<std::string>{"b.txt", "a.txt"}));
}

TEST_F(ImatrixMerge, TheChunkSizeWeighsDatInputs) {
    auto m = merge({"b.dat"}, 100);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->entries.at("a.weight").sums, (std::vector<float>{25, 100}));
    EXPECT_EQ(m->entries.at("a.weight").counts, std::vector<int64_t>{200});
    EXPECT_EQ(m->chunk_count, 3);
}

TEST_F(ImatrixMerge, MismatchedEntriesAreRefusedNamingEntryAndFile) {
    gguf_test::write_plan_or_fail(gguf_imatrix_plan({{"a.weight", 3, {1, 1, 1}, {5}}}, {}, 1, 512), dir_.file("wide.gguf"));
    auto m = merge({"a.gguf", "wide.gguf"});
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().file, dir_.file("wide.gguf"));
    EXPECT_NE(m.error().message.find("'a.weight' has 3 values"), std::string::npos) << m.error().to_string();

    // Per-expert counts so far, one count now: llama-imatrix refuses this too.
    gguf_test::write_plan_or_fail(gguf_imatrix_plan({{"moe.weight", 3, {1, 1, 1}, {5}}}, {}, 1, 512), dir_.file("flat.gguf"));
    m = merge({"a.gguf", "flat.gguf"});
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message.find("'moe.weight' has 1 counts"), std::string::npos) << m.error().to_string();
}

TEST_F(ImatrixMerge, MergedFileReadsBackUnchanged) {
    auto m = merge({"a.gguf", "b.dat", "c.gguf"});
    ASSERT_TRUE(m);
    gguf::WriteOptions w;
    w.output = dir_.file("merged.gguf");
    ASSERT_TRUE(gguf::write_imatrix(*m, w));
    auto back = gguf::read_imatrix(w.output);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(weight_bits(*back), weight_bits(*m));
    EXPECT_EQ(back->datasets, m->datasets);
    EXPECT_EQ(back->chunk_count, m->chunk_count);
    for (const auto& [name, e] : m->entries) EXPECT_EQ(back->entries.at(name).counts, e.counts) << name;
}

}  // namespace
