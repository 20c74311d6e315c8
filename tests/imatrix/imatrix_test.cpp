// Importance matrices in both formats: read as llama-quantize reads them,
// and every broken file refused with the entry named.
#include <gtest/gtest.h>

#include <cstring>

#include "gguf/format/gguf_file.h"
#include "gguf/imatrix/imatrix.h"
#include "gguf/plan/writer.h"
#include "imatrix_files.h"
#include "test_support.h"

using gguf_test::TempDir;
using namespace imatrix_test;

namespace {

gguf::Plan imatrix_plan() {
    // Two experts in the second entry; the second was never routed to.
    return gguf_imatrix_plan({{"blk.0.attn_q.weight", 4, {2, 4, 6, 8}, {2}}, {"blk.0.ffn_up_exps.weight", 2, {3, 6, 9, 12}, {3, 0}}},
                             {"wiki.txt"}, 10, 512);
}

TEST(Imatrix, GgufEntriesGiveWeightsAsLlamaQuantizeDerivesThem) {
    TempDir dir;
    gguf_test::write_plan_or_fail(imatrix_plan(), dir.file("im.gguf"));
    auto m = gguf::read_imatrix(dir.file("im.gguf"));
    ASSERT_TRUE(m) << m.error().to_string();
    EXPECT_FALSE(m->legacy);
    EXPECT_TRUE(m->has_metadata);
    EXPECT_EQ(m->chunk_count, 10);
    EXPECT_EQ(m->datasets, std::vector<std::string>{"wiki.txt"});
    EXPECT_EQ(m->weights("blk.0.attn_q.weight"), (std::vector<float>{1, 2, 3, 4}));
    EXPECT_EQ(m->weights("blk.0.ffn_up_exps.weight"), (std::vector<float>{1, 2, 1, 1}));
    EXPECT_TRUE(m->weights("blk.9.nextn.eh_proj.weight").empty());
}

TEST(Imatrix, LegacyEntriesAreDividedByTheirCallCount) {
    TempDir dir;
    gguf_test::write_file(dir.file("im.dat"), legacy_bytes({{"output.weight", 4, {8, 4}}, {"blk.1.ffn_down.weight", 0, {5}}}, 12, "data.txt"));
    auto m = gguf::read_imatrix(dir.file("im.dat"));
    ASSERT_TRUE(m) << m.error().to_string();
    EXPECT_TRUE(m->legacy);
    EXPECT_EQ(m->chunk_count, 12);
    EXPECT_EQ(m->datasets, std::vector<std::string>{"data.txt"});
    EXPECT_EQ(m->weights("output.weight"), (std::vector<float>{2, 1}));
    EXPECT_EQ(m->weights("blk.1.ffn_down.weight"), (std::vector<float>{5}));
}

TEST(Imatrix, BrokenFilesNameTheEntry) {
    TempDir dir;
    {
        auto p = imatrix_plan();
        p.tensors.pop_back();  // expert counts missing
        gguf_test::write_plan_or_fail(p, dir.file("nocounts.gguf"));
        auto m = gguf::read_imatrix(dir.file("nocounts.gguf"));
        ASSERT_FALSE(m);
        EXPECT_NE(m.error().message.find("'blk.0.ffn_up_exps.weight' has in_sum2 but no counts"), std::string::npos) << m.error().to_string();
    }
    {
        auto p = imatrix_plan();
        p.tensors[1] = f32_tensor("blk.0.attn_q.weight.counts", 1, 1, {-1});
        gguf_test::write_plan_or_fail(p, dir.file("negative.gguf"));
        auto m = gguf::read_imatrix(dir.file("negative.gguf"));
        ASSERT_FALSE(m);
        EXPECT_NE(m.error().message.find("'blk.0.attn_q.weight': count of matrix 0"), std::string::npos) << m.error().to_string();
    }
    {
        auto p = imatrix_plan();
        p.tensors[0] = f32_tensor("blk.0.attn_q.weight.in_sum2", 4, 1, {1, std::nanf(""), 1, 1});
        gguf_test::write_plan_or_fail(p, dir.file("nan.gguf"));
        auto m = gguf::read_imatrix(dir.file("nan.gguf"));
        ASSERT_FALSE(m);
        EXPECT_NE(m.error().message.find("value 1 is nan"), std::string::npos) << m.error().to_string();
    }
    const auto good = legacy_bytes({{"output.weight", 4, {8, 4}}}, 1, "d");
    for (size_t cut = 1; cut < 4 + 4 + 13 + 8 + 8; ++cut) {  // every cut inside the one entry
        gguf_test::write_file(dir.file("cut.dat"), std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(cut)));
        auto m = gguf::read_imatrix(dir.file("cut.dat"));
        ASSERT_FALSE(m) << "cut at " << cut;
        EXPECT_EQ(m.error().file, dir.file("cut.dat"));
    }
    gguf_test::write_file(dir.file("huge.dat"), legacy_bytes({{"x", 1, {1}}}, 1, ""));
    auto bytes = gguf_test::read_file(dir.file("huge.dat"));
    const int32_t huge = 1 << 30;
    std::memcpy(bytes.data() + 4 + 4 + 1 + 4, &huge, 4);  // value count far past the file's end
    gguf_test::write_file(dir.file("huge.dat"), bytes);
    auto m = gguf::read_imatrix(dir.file("huge.dat"));
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().code, gguf::ErrorCode::truncated);
    EXPECT_NE(m.error().message.find("values of 'x'"), std::string::npos) << m.error().to_string();
}

TEST(Imatrix, EveryTruncationAndBadSizeIsAnErrorNamingTheFile) {
    TempDir dir;
    gguf_test::write_plan_or_fail(imatrix_plan(), dir.file("good.gguf"));
    const auto good = gguf_test::read_file(dir.file("good.gguf"));
    // Every cut that loses a byte of data; the last tensor's padding may go.
    auto file = gguf::GgufFile::open(dir.file("good.gguf"));
    ASSERT_TRUE(file);
    const size_t last = file->tensors().size() - 1;
    const uint64_t data_end = file->tensor_file_offset(last) + file->tensors()[last].n_bytes;
    for (size_t cut = 0; cut < data_end; ++cut) {
        gguf_test::write_file(dir.file("cut.gguf"), std::vector<uint8_t>(good.begin(), good.begin() + static_cast<long>(cut)));
        auto m = gguf::read_imatrix(dir.file("cut.gguf"));
        ASSERT_FALSE(m) << "cut at " << cut;
        EXPECT_EQ(m.error().file, dir.file("cut.gguf"));
    }
    auto p = imatrix_plan();
    p.tensors[2] = f32_tensor("blk.0.ffn_up_exps.weight.in_sum2", 3, 1, {1, 2, 3});  // 3 sums for 2 experts
    gguf_test::write_plan_or_fail(p, dir.file("uneven.gguf"));
    auto m = gguf::read_imatrix(dir.file("uneven.gguf"));
    ASSERT_FALSE(m);
    EXPECT_NE(m.error().message.find("'blk.0.ffn_up_exps.weight': 3 sums do not split into 2 matrices"), std::string::npos)
        << m.error().to_string();
}

TEST(Imatrix, BadDatValuesNameTheEntry) {
    TempDir dir;
    const std::vector<std::pair<std::vector<uint8_t>, std::string>> cases = {
        {legacy_bytes({{"ok.weight", 1, {1}}, {"neg.weight", -3, {1}}}, 1, "d"), "'neg.weight' has -3 calls"},
        {legacy_bytes({{"nan.weight", 2, {1, std::nanf("")}}}, 1, "d"), "'nan.weight': value 1 is nan"},
        {legacy_bytes({{"minus.weight", 2, {-4}}}, 1, "d"), "'minus.weight': value 0 is -4"},
        {legacy_bytes({{"empty.weight", 2, {}}}, 1, "d"), "'empty.weight' has 2 calls and 0 values"},
    };
    for (const auto& [bytes, message] : cases) {
        gguf_test::write_file(dir.file("bad.dat"), bytes);
        auto m = gguf::read_imatrix(dir.file("bad.dat"));
        ASSERT_FALSE(m) << message;
        EXPECT_NE(m.error().message.find(message), std::string::npos) << m.error().to_string();
        EXPECT_TRUE(m.error().offset.has_value()) << message;
    }
}

// Whatever a byte of either format is changed to, reading gives an imatrix
// or an error, never a crash.
TEST(Imatrix, CorruptedBytesNeverCrash) {
    TempDir dir;
    gguf_test::write_plan_or_fail(imatrix_plan(), dir.file("good.gguf"));
    const std::vector<std::vector<uint8_t>> originals = {gguf_test::read_file(dir.file("good.gguf")),
                                                         legacy_bytes({{"a.weight", 4, {8, 4}}, {"b.weight", 1, {1, 2, 3}}}, 2, "set")};
    for (const auto& original : originals) {
        for (size_t i = 0; i < original.size(); ++i) {
            for (uint8_t value : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0xff}}) {
                auto bytes = original;
                bytes[i] = value;
                gguf_test::write_file(dir.file("x"), bytes);
                auto m = gguf::read_imatrix(dir.file("x"));
                if (m) {
                    for (const auto& [name, e] : m->entries) EXPECT_EQ(m->weights(name).size(), e.sums.size());
                }
            }
        }
    }
}

}  // namespace
