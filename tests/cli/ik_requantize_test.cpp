// quantize --allow-requantize reads ik_llama.cpp's own types: a model with
// one weight of each way ik stores rows (a row scale before each row,
// IQ4_KS; a scale and a sum, Q8_KV; rows interleaved in fours, IQ4_K_R4;
// ggml's aarch64 repack of Q4_0, Q4_0_4_4; bf16 pairs of 16 rows, BF16_R16;
// one scale after the whole tensor, I2_S) comes out with the bytes of
// quantizing the dequantized floats directly, for any thread count and with
// --target-bpw; MXFP4_R8, which ik itself cannot dequantize, is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli_runner.h"
#include "gguf/quality/row_sample.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/split/model.h"
#include "seeded_blocks.h"
#include "test_support.h"

namespace {

using gguf::TensorType;

constexpr uint64_t kWidth = 512, kRows = 16;

// Seeded bytes with every float field made moderate (the scheme of
// seeded_blocks.h), so the values are finite.
std::vector<uint8_t> seeded_tensor(TensorType type, uint64_t seed) {
    const uint64_t row = *gguf::row_bytes(type, kWidth);
    auto bytes = gguf_test::seeded_bytes(seed, row * kRows + gguf::tensor_trailer_bytes(type));
    auto tame_block_scales = [&](uint64_t group_block, int scales) {
        for (uint64_t at = 0; at < row * kRows; at += group_block) {
            for (int k = 0; k < scales; ++k) gguf_test::tame_f16(bytes, at + 2 * k);
        }
    };
    switch (type) {
        case TensorType::IQ4_KS:
        case TensorType::Q8_KV:
            for (uint64_t r = 0; r < kRows; ++r) gguf_test::tame_f32(bytes, r * row);
            break;
        case TensorType::IQ4_K_R4: tame_block_scales(576, 4); break;
        case TensorType::IK_Q4_0_4_4: tame_block_scales(72, 4); break;
        case TensorType::I2_S: gguf_test::tame_f32(bytes, row * kRows); break;
        case TensorType::BF16_R16:  // every value, as tame_f32 does the top half of an f32
            for (uint64_t at = 0; at < bytes.size(); at += 2) bytes[at + 1] = static_cast<uint8_t>((bytes[at + 1] & 0x80) | 0x3E);
            break;
        default: ADD_FAILURE() << "no float fields known for " << gguf::type_label(type);
    }
    return bytes;
}

struct IkWeight {
    std::string name;
    TensorType type;
    std::vector<uint8_t> bytes;
};

std::vector<IkWeight> ik_weights() {
    std::vector<IkWeight> weights;
    uint64_t seed = 1;
    for (auto [name, type] : {std::pair{"blk.0.attn_q.weight", TensorType::IQ4_KS}, {"blk.0.attn_k.weight", TensorType::IQ4_K_R4},
                              {"blk.0.attn_v.weight", TensorType::Q8_KV}, {"blk.0.attn_output.weight", TensorType::I2_S},
                              {"blk.0.ffn_up.weight", TensorType::IK_Q4_0_4_4}, {"blk.0.ffn_gate.weight", TensorType::BF16_R16}}) {
        weights.push_back({name, type, seeded_tensor(type, seed++)});
    }
    return weights;
}

gguf::PlannedTensor tensor(const IkWeight& w) {
    gguf::PlannedTensor t;
    t.info.name = w.name;
    t.info.type = w.type;
    t.info.n_dims = 2;
    t.info.ne = {kWidth, kRows, 1, 1};
    t.info.n_bytes = w.bytes.size();
    t.source = gguf::FillSource([bytes = w.bytes](std::span<uint8_t> out) {
        std::copy(bytes.begin(), bytes.end(), out.begin());
        return gguf::Status{};
    });
    return t;
}

// The tensor's floats: its rows, with the bytes after them (I2_S's scale).
std::vector<float> floats_of(TensorType type, std::span<const uint8_t> bytes) {
    std::vector<float> floats(kWidth * kRows);
    const uint64_t rows_bytes = *gguf::row_bytes(type, kWidth) * kRows;
    EXPECT_TRUE(gguf::dequantize_rows(type, bytes.first(rows_bytes), kWidth, floats, bytes.subspan(rows_bytes)));
    return floats;
}

// The bytes of quantizing the tensor's dequantized floats to `target` directly.
std::vector<uint8_t> requantized(TensorType type, const std::vector<uint8_t>& bytes, TensorType target) {
    std::vector<uint8_t> out(*gguf::row_bytes(target, kWidth) * kRows);
    EXPECT_TRUE(gguf::quantize_rows(target, floats_of(type, bytes), kWidth, {}, out));
    return out;
}

class IkRequantize : public testing::Test {
protected:
    void SetUp() override {
        gguf::Plan plan;
        plan.metadata.append("general.architecture", gguf::Value::string("llama"));
        plan.metadata.append("llama.block_count", gguf::Value::u32(1));
        plan.metadata.append("llama.embedding_length", gguf::Value::u32(kWidth));
        for (const auto& w : weights_) plan.tensors.push_back(tensor(w));
        gguf_test::write_plan_or_fail(plan, input());
    }

    std::string input() const { return dir_.file("ik.gguf"); }

    // Runs quantize with `args` and checks every tensor of the output against
    // quantizing its source's floats to the type the output gave it.
    void expect_requantized(const std::vector<std::string>& args, const std::string& out, std::optional<TensorType> want) {
        const auto run = gguf_test::gguf_mtp(args);
        ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
        auto model = gguf::Model::open(out);
        ASSERT_TRUE(model) << model.error().to_string();
        for (const auto& [name, type, bytes] : weights_) {
            const auto ref = model->find(name);
            ASSERT_TRUE(ref) << name;
            const auto& info = model->info(*ref);
            if (want) {
                EXPECT_EQ(info.type, *want) << name;
            }
            std::vector<uint8_t> written(info.n_bytes);
            ASSERT_TRUE(model->shard(ref->shard).read_tensor_data(ref->index, 0, written));
            EXPECT_TRUE(written == requantized(type, bytes, info.type)) << name << " as " << gguf::type_label(info.type);
        }
    }

    gguf_test::TempDir dir_;
    std::vector<IkWeight> weights_ = ik_weights();
};

TEST_F(IkRequantize, IkTypesRequantizeToQ8_0AsTheirFloatsDoOnAnyThreadCount) {
    for (const char* threads : {"1", "5"}) {
        const std::string out = dir_.file(std::string("q8_0-") + threads + ".gguf");
        expect_requantized({"quantize", "--allow-requantize", input(), out, "Q8_0", threads}, out, TensorType::Q8_0);
    }
}

// --target-bpw measures candidates on sampled rows: a sampled row of an
// interleaved type is read with its group.
TEST_F(IkRequantize, TargetBpwMeasuresIkSources) {
    const std::string out = dir_.file("target.gguf");
    expect_requantized({"quantize", "--allow-requantize", "--target-bpw", "5.5", input(), out, "Q4_K_M", "3"}, out, std::nullopt);
}

// compare --sample reads sampled rows of an interleaved type with their
// groups: the largest difference it reports is the one of those rows' floats.
TEST_F(IkRequantize, CompareMeasuresSampledRowsOfIkTypes) {
    const std::string q8 = dir_.file("q8_0.gguf");
    expect_requantized({"quantize", "--allow-requantize", input(), q8, "Q8_0", "2"}, q8, TensorType::Q8_0);
    const auto run = gguf_test::gguf_mtp({"compare", "--sample", "5", "--json", input(), q8});
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    const auto doc = nlohmann::json::parse(run.out);
    EXPECT_TRUE(doc["skipped"].empty()) << run.out;
    const std::vector<uint64_t> rows = gguf::sampled_rows(kRows, 5);
    for (const auto& t : doc["tensors"]) {
        const auto w = std::ranges::find(weights_, t["name"].get<std::string>(), &IkWeight::name);
        ASSERT_NE(w, weights_.end()) << t["name"];
        const auto source = floats_of(w->type, w->bytes);
        std::vector<float> back(kWidth * kRows);
        ASSERT_TRUE(gguf::dequantize_rows(TensorType::Q8_0, requantized(w->type, w->bytes, TensorType::Q8_0), kWidth, back));
        double largest = 0;
        for (uint64_t r : rows) {
            for (uint64_t i = r * kWidth; i < (r + 1) * kWidth; ++i) largest = std::max(largest, std::fabs(double(source[i]) - double(back[i])));
        }
        EXPECT_EQ(t["rows_measured"].get<uint64_t>(), rows.size()) << t["name"];
        EXPECT_DOUBLE_EQ(t["max_abs_error"].get<double>(), largest) << t["name"];
    }
    EXPECT_EQ(doc["tensors"].size(), weights_.size());
}

// ik's own dequantizer for MXFP4_R8 reads and writes past its groups: a
// requantize from it is a one-line error naming the tensor and why, and
// writes nothing.
TEST(IkRequantizeRefused, Mxfp4R8SaysWhyAndWritesNothing) {
    gguf_test::TempDir dir;
    const IkWeight w{"blk.0.ffn_down.weight", TensorType::MXFP4_R8,
                     std::vector<uint8_t>(*gguf::row_bytes(TensorType::MXFP4_R8, kWidth) * kRows)};
    gguf::Plan plan;
    plan.metadata.append("general.architecture", gguf::Value::string("llama"));
    plan.metadata.append("llama.block_count", gguf::Value::u32(1));
    plan.tensors.push_back(tensor(w));
    gguf_test::write_plan_or_fail(plan, dir.file("ik.gguf"));
    const auto run = gguf_test::gguf_mtp({"quantize", "--allow-requantize", dir.file("ik.gguf"), dir.file("q.gguf"), "Q8_0"});
    EXPECT_NE(run.exit_code, 0);
    EXPECT_NE(run.err.find("tensor 'blk.0.ffn_down.weight' is MXFP4_R8 (ik_llama.cpp id 353): ik_llama.cpp's own dequantizer for it "
                           "reads and writes past each group of 8 rows"),
              std::string::npos)
        << run.err;
    EXPECT_EQ(std::ranges::count(run.err, '\n'), 1) << run.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("q.gguf")));
}

}  // namespace
