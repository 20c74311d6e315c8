// compare's library part on models made for the purpose: what is matched,
// listed and skipped; that the numbers do not depend on the thread count
// or on a sample that covers every row; that a sample reads only its rows.
// The measures themselves are checked against ggml in
// compare_oracle_test.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "gguf/format/metadata.h"
#include "gguf/quality/compare.h"
#include "gguf/quality/row_sample.h"
#include "gguf/quant/cpu/quantize.h"
#include "quality/row_chunks.h"
#include "test_support.h"

namespace gguf {
namespace {

using gguf_test::TempDir;

std::vector<float> noisy(uint64_t n, uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

PlannedTensor stored_tensor(const std::string& name, TensorType type, std::array<uint64_t, kMaxDims> ne, std::vector<uint8_t> bytes) {
    PlannedTensor t;
    t.info.name = name;
    t.info.type = type;
    t.info.n_dims = ne[2] > 1 ? 3 : ne[1] > 1 ? 2 : 1;
    t.info.ne = ne;
    t.info.n_bytes = *tensor_bytes(type, ne);
    EXPECT_EQ(bytes.size(), t.info.n_bytes);
    t.source = FillSource([bytes = std::move(bytes)](std::span<uint8_t> out) -> Status {
        std::memcpy(out.data(), bytes.data(), out.size());
        return {};
    });
    return t;
}

// A tensor of `type` holding `values` (as the type holds them).
PlannedTensor tensor(const std::string& name, TensorType type, std::array<uint64_t, kMaxDims> ne, const std::vector<float>& values) {
    std::vector<uint8_t> bytes(*tensor_bytes(type, ne));
    EXPECT_TRUE(quantize_rows(type, values, ne[0], {}, bytes));
    return stored_tensor(name, type, ne, std::move(bytes));
}

Model write_and_open(std::vector<PlannedTensor> tensors, const std::string& path) {
    Plan plan;
    plan.metadata.append(keys::kArchitecture, Value::string("test"));
    plan.tensors = std::move(tensors);
    gguf_test::write_plan_or_fail(plan, path);
    auto model = Model::open(path);
    EXPECT_TRUE(model) << model.error().to_string();
    return std::move(*model);
}

bool same_bits(const ErrorStats& a, const ErrorStats& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Two models of one big tensor (several chunks, three experts) and a small one.
class CompareModels : public testing::Test {
protected:
    void SetUp() override {
        const std::array<uint64_t, kMaxDims> big = {512, 1500, 3, 1};
        const auto values = noisy(512 * 1500 * 3, 1, 0.02f);
        auto other = values;
        const auto noise = noisy(other.size(), 2, 0.001f);
        for (size_t i = 0; i < other.size(); ++i) other[i] += noise[i];
        const auto small = noisy(64 * 8, 3, 1.0f);
        reference_ = write_and_open({tensor("blk.0.ffn_up_exps.weight", TensorType::F32, big, values),
                                     tensor("blk.0.attn_q.weight", TensorType::F16, {64, 8, 1, 1}, small)},
                                    dir_.file("ref.gguf"));
        other_ = write_and_open({tensor("blk.0.ffn_up_exps.weight", TensorType::Q8_0, big, other),
                                 tensor("blk.0.attn_q.weight", TensorType::F16, {64, 8, 1, 1}, small)},
                                dir_.file("other.gguf"));
    }
    TempDir dir_;
    std::optional<Model> reference_, other_;
};

TEST_F(CompareModels, NumbersDoNotDependOnTheThreadCount) {
    auto one = compare_models(*reference_, *other_, {0, nullptr, 1, {}});
    auto five = compare_models(*reference_, *other_, {0, nullptr, 5, {}});
    ASSERT_TRUE(one && five);
    ASSERT_EQ(one->tensors.size(), 2u);
    for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(same_bits(one->tensors[i].stats, five->tensors[i].stats)) << one->tensors[i].name;
    EXPECT_TRUE(same_bits(one->total.stats, five->total.stats));
    EXPECT_GT(one->tensors[0].stats.relative_rms(), 0.0);
    EXPECT_LT(one->tensors[0].stats.relative_rms(), 0.1);
    EXPECT_EQ(one->tensors[1].stats.error_energy, 0.0);  // the same F16 bytes on both sides
}

TEST_F(CompareModels, ASampleOfEveryRowIsTheFullComparison) {
    auto full = compare_models(*reference_, *other_, {0, nullptr, 2, {}});
    auto sampled = compare_models(*reference_, *other_, {4500, nullptr, 2, {}});
    ASSERT_TRUE(full && sampled);
    for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(same_bits(full->tensors[i].stats, sampled->tensors[i].stats)) << full->tensors[i].name;
    EXPECT_EQ(full->bytes_read, sampled->bytes_read);
}

TEST_F(CompareModels, ASampleReadsOnlyItsRows) {
    auto sampled = compare_models(*reference_, *other_, {10, nullptr, 2, {}});
    ASSERT_TRUE(sampled);
    const auto& big = sampled->tensors[0];
    EXPECT_EQ(big.rows, 4500u);
    EXPECT_EQ(big.rows_measured, 10u);
    EXPECT_EQ(big.stats.values, 10u * 512);
    // Ten rows of each side's big tensor and all eight rows of the small one.
    const uint64_t want = 10 * (512 * 4 + *row_bytes(TensorType::Q8_0, 512)) + 8 * (64 * 2 + 64 * 2);
    EXPECT_EQ(sampled->bytes_read, want);
}

TEST_F(CompareModels, ImportanceWeightsApplyPerExpert) {
    Imatrix imatrix;
    ImatrixEntry e;
    e.counts = {1, 1, 1};
    for (int expert = 0; expert < 3; ++expert) e.sums.insert(e.sums.end(), 512, expert == 1 ? 0.0f : 1.0f);
    imatrix.entries["blk.0.ffn_up_exps.weight"] = e;
    imatrix.entries["blk.0.attn_q.weight"] = ImatrixEntry{std::vector<float>(7, 1.0f), {1}};  // fits no row
    auto result = compare_models(*reference_, *other_, {0, &imatrix, 2, {}});
    ASSERT_TRUE(result);
    const auto& big = result->tensors[0];
    EXPECT_TRUE(big.weighted);
    EXPECT_FALSE(result->tensors[1].weighted);
    ASSERT_EQ(result->unweighted.size(), 1u);
    EXPECT_EQ(result->unweighted[0].name, "blk.0.attn_q.weight");
    // Expert 1 weighs nothing: the weighted sums are those of experts 0 and 2 alone.
    auto unweighted = compare_models(*reference_, *other_, {0, nullptr, 2, {}});
    EXPECT_LT(big.stats.weighted_reference, unweighted->tensors[0].stats.reference_energy * 0.7);
    EXPECT_GT(big.stats.weighted_reference, unweighted->tensors[0].stats.reference_energy * 0.6);
}

TEST(Compare, ListsWhatItCannotMeasure) {
    TempDir dir;
    const auto v = noisy(64 * 4, 5, 1.0f);
    const std::vector<float> ints(64 * 4, 3.0f);
    auto reference = write_and_open({tensor("token_embd.weight", TensorType::F16, {64, 4, 1, 1}, v),
                                     tensor("blk.0.wide.weight", TensorType::F32, {64, 4, 1, 1}, v),
                                     tensor("blk.0.ids", TensorType::F32, {64, 4, 1, 1}, ints),
                                     tensor("blk.1.gone.weight", TensorType::F32, {64, 4, 1, 1}, v)},
                                    dir.file("a.gguf"));
    auto other = write_and_open({tensor("token_embd.weight", TensorType::Q8_0, {64, 4, 1, 1}, v),
                                 tensor("blk.0.wide.weight", TensorType::F32, {128, 2, 1, 1}, v),
                                 stored_tensor("blk.0.ids", TensorType::I32, {64, 4, 1, 1}, std::vector<uint8_t>(64 * 4 * 4, 1)),
                                 tensor("blk.1.new.weight", TensorType::F32, {64, 4, 1, 1}, v)},
                                dir.file("b.gguf"));
    auto result = compare_models(reference, other);
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_EQ(result->tensors.size(), 1u);
    EXPECT_EQ(result->tensors[0].name, "token_embd.weight");
    EXPECT_EQ(result->tensors[0].role, TensorRole::embeddings);
    EXPECT_EQ(result->only_in_reference, std::vector<std::string>{"blk.1.gone.weight"});
    EXPECT_EQ(result->only_in_other, std::vector<std::string>{"blk.1.new.weight"});
    ASSERT_EQ(result->shape_mismatches.size(), 1u);
    EXPECT_EQ(result->shape_mismatches[0].other_ne, (std::array<uint64_t, kMaxDims>{128, 2, 1, 1}));
    ASSERT_EQ(result->skipped.size(), 1u);
    EXPECT_EQ(result->skipped[0].name, "blk.0.ids");
    EXPECT_NE(result->skipped[0].reason.find("I32 in the other"), std::string::npos) << result->skipped[0].reason;
    EXPECT_TRUE(result->by_block.empty());
    EXPECT_EQ(result->by_role[static_cast<size_t>(TensorRole::embeddings)].tensors, 1u);
}

TEST(TensorRole, ReadsTheNameAndTheMtpBlocks) {
    const MtpBlockRange mtp{4, 1};  // blk.3 is the MTP block
    EXPECT_EQ(tensor_role("blk.0.attn_q.weight", mtp), TensorRole::attention);
    EXPECT_EQ(tensor_role("blk.0.ssm_out.weight", mtp), TensorRole::attention);
    EXPECT_EQ(tensor_role("blk.0.attn_norm.weight", mtp), TensorRole::other);
    EXPECT_EQ(tensor_role("blk.0.ffn_norm.weight", mtp), TensorRole::other);
    EXPECT_EQ(tensor_role("blk.1.ffn_gate_exps.weight", mtp), TensorRole::experts);
    EXPECT_EQ(tensor_role("blk.1.ffn_down_shexp.weight", mtp), TensorRole::dense_ffn);
    EXPECT_EQ(tensor_role("blk.1.ffn_up.weight", mtp), TensorRole::dense_ffn);
    EXPECT_EQ(tensor_role("token_embd.weight", mtp), TensorRole::embeddings);
    EXPECT_EQ(tensor_role("output.weight", mtp), TensorRole::embeddings);
    EXPECT_EQ(tensor_role("output_norm.weight", mtp), TensorRole::other);
    EXPECT_EQ(tensor_role("blk.3.attn_q.weight", mtp), TensorRole::mtp_head);
    EXPECT_EQ(tensor_role("blk.3.nextn.eh_proj.weight", mtp), TensorRole::mtp_head);
    EXPECT_EQ(tensor_role("blk.3.attn_q.weight", MtpBlockRange{4, 0}), TensorRole::attention);
}

TEST(RowChunks, CoverTheRowsOnceWithinMatricesAndTheLimit) {
    for (uint64_t sample : {0u, 1u, 7u, 50u, 1000u}) {
        std::vector<detail::RowChunk> chunks;
        detail::append_row_chunks(chunks, 3, 120, 40, sample, 9);
        std::vector<uint64_t> rows;
        for (const auto& c : chunks) {
            EXPECT_EQ(c.tensor, 3u);
            EXPECT_LE(c.rows, 9u);
            uint64_t n = 0;
            for (const auto& run : c.runs) {
                EXPECT_EQ(run.first / 40, (run.first + run.count - 1) / 40) << "a run crosses a matrix";
                for (uint64_t r = run.first; r < run.first + run.count; ++r) rows.push_back(r);
                n += run.count;
            }
            EXPECT_EQ(n, c.rows);
        }
        EXPECT_EQ(rows, sampled_rows(120, sample)) << sample;
    }
}

}  // namespace
}  // namespace gguf
