// Importance matrices in both formats: read as llama-quantize reads them,
// and every broken file refused with the entry named.
#include <gtest/gtest.h>

#include <cstring>

#include "gguf/imatrix.h"
#include "gguf/writer.h"
#include "test_support.h"

using gguf_test::TempDir;

namespace {

gguf::PlannedTensor f32_tensor(const std::string& name, uint64_t ne0, uint64_t ne1, std::vector<float> values) {
    gguf::TensorInfo info;
    info.name = name;
    info.n_dims = 2;
    info.ne = {ne0, ne1, 1, 1};
    info.n_bytes = ne0 * ne1 * 4;
    return {info, gguf::FillSource([values](std::span<uint8_t> out) -> gguf::Status {
                std::memcpy(out.data(), values.data(), out.size());
                return {};
            })};
}

gguf::Plan imatrix_plan() {
    gguf::Plan p;
    p.metadata.append("general.type", gguf::Value::string("imatrix"));
    p.metadata.append("imatrix.datasets", gguf::Value::string_array(std::vector<std::string>{"wiki.txt"}));
    p.metadata.append("imatrix.chunk_count", gguf::Value::u32(10));
    p.metadata.append("imatrix.chunk_size", gguf::Value::u32(512));
    p.tensors.push_back(f32_tensor("blk.0.attn_q.weight.in_sum2", 4, 1, {2, 4, 6, 8}));
    p.tensors.push_back(f32_tensor("blk.0.attn_q.weight.counts", 1, 1, {2}));
    // Two experts; the second was never routed to.
    p.tensors.push_back(f32_tensor("blk.0.ffn_up_exps.weight.in_sum2", 2, 2, {3, 6, 9, 12}));
    p.tensors.push_back(f32_tensor("blk.0.ffn_up_exps.weight.counts", 1, 2, {3, 0}));
    return p;
}

std::vector<uint8_t> legacy_bytes(const std::vector<std::tuple<std::string, int32_t, std::vector<float>>>& entries,
                                  int32_t chunks, const std::string& dataset) {
    std::vector<uint8_t> out;
    auto put = [&](const void* p, size_t n) { out.insert(out.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); };
    const int32_t n = static_cast<int32_t>(entries.size());
    put(&n, 4);
    for (const auto& [name, ncall, values] : entries) {
        const int32_t len = static_cast<int32_t>(name.size()), nval = static_cast<int32_t>(values.size());
        put(&len, 4);
        put(name.data(), name.size());
        put(&ncall, 4);
        put(&nval, 4);
        put(values.data(), values.size() * 4);
    }
    put(&chunks, 4);
    const int32_t len = static_cast<int32_t>(dataset.size());
    put(&len, 4);
    put(dataset.data(), dataset.size());
    return out;
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

}  // namespace
