// quantize --allow-requantize reads ik_llama.cpp's own types: a model whose
// weights are IQ4_KS (a row scale before each row) and IQ4_K_R4 (rows
// interleaved in fours) comes out as Q8_0 whose bytes are those of
// quantizing the dequantized floats directly, for any thread count.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/split/model.h"
#include "seeded_blocks.h"
#include "test_support.h"

namespace {

using gguf::TensorType;

constexpr uint64_t kWidth = 512, kRows = 12;

// Seeded bytes with every f32 row scale / f16 block scale made moderate (the
// scheme of seeded_blocks.h), so the values are finite.
std::vector<uint8_t> seeded_tensor(TensorType type, uint64_t seed) {
    const uint64_t row = *gguf::row_bytes(type, kWidth);
    auto bytes = gguf_test::seeded_bytes(seed, row * kRows);
    if (type == TensorType::IQ4_KS) {
        for (uint64_t r = 0; r < kRows; ++r) gguf_test::tame_f32(bytes, r * row);
    } else {  // IQ4_K_R4: d[4] at the start of every 576-byte block of four rows
        for (uint64_t at = 0; at < bytes.size(); at += 576) {
            for (int k = 0; k < 4; ++k) gguf_test::tame_f16(bytes, at + 2 * k);
        }
    }
    return bytes;
}

gguf::PlannedTensor tensor(const std::string& name, TensorType type, const std::vector<uint8_t>& bytes) {
    gguf::PlannedTensor t;
    t.info.name = name;
    t.info.type = type;
    t.info.n_dims = 2;
    t.info.ne = {kWidth, kRows, 1, 1};
    t.info.n_bytes = bytes.size();
    t.source = gguf::FillSource([bytes](std::span<uint8_t> out) {
        std::copy(bytes.begin(), bytes.end(), out.begin());
        return gguf::Status{};
    });
    return t;
}

std::vector<uint8_t> as_q8_0(TensorType type, const std::vector<uint8_t>& bytes) {
    std::vector<float> floats(kWidth * kRows);
    EXPECT_TRUE(gguf::dequantize_rows(type, bytes, kWidth, floats));
    std::vector<uint8_t> q8(*gguf::row_bytes(TensorType::Q8_0, kWidth) * kRows);
    EXPECT_TRUE(gguf::quantize_rows(TensorType::Q8_0, floats, kWidth, {}, q8));
    return q8;
}

TEST(IkRequantize, IkTypesRequantizeToQ8_0AsTheirFloatsDo) {
    gguf_test::TempDir dir;
    const auto ks = seeded_tensor(TensorType::IQ4_KS, 1);
    const auto r4 = seeded_tensor(TensorType::IQ4_K_R4, 2);
    gguf::Plan plan;
    plan.metadata.append("general.architecture", gguf::Value::string("llama"));
    plan.metadata.append("llama.block_count", gguf::Value::u32(1));
    plan.metadata.append("llama.embedding_length", gguf::Value::u32(kWidth));
    plan.tensors.push_back(tensor("blk.0.attn_q.weight", TensorType::IQ4_KS, ks));
    plan.tensors.push_back(tensor("blk.0.attn_k.weight", TensorType::IQ4_K_R4, r4));
    const std::string in = dir.file("ik.gguf");
    gguf_test::write_plan_or_fail(plan, in);

    for (const char* threads : {"1", "5"}) {
        const std::string out = dir.file(std::string("q8_0-") + threads + ".gguf");
        const auto run = gguf_test::gguf_mtp({"quantize", "--allow-requantize", in, out, "Q8_0", threads});
        ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
        auto model = gguf::Model::open(out);
        ASSERT_TRUE(model) << model.error().to_string();
        for (const auto& [name, type, bytes] : {std::tuple{"blk.0.attn_q.weight", TensorType::IQ4_KS, ks},
                                                 std::tuple{"blk.0.attn_k.weight", TensorType::IQ4_K_R4, r4}}) {
            const auto ref = model->find(name);
            ASSERT_TRUE(ref) << name;
            const auto& info = model->info(*ref);
            ASSERT_EQ(info.type, TensorType::Q8_0) << name;
            std::vector<uint8_t> written(info.n_bytes);
            ASSERT_TRUE(model->shard(ref->shard).read_tensor_data(ref->index, 0, written));
            EXPECT_TRUE(written == as_q8_0(type, bytes)) << name << " on " << threads << " threads";
        }
    }
}

}  // namespace
