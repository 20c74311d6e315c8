// Dequantized floats against ik_llama.cpp's own dequantize_row_* on seeded
// blocks: digests recorded from ik's build (testdata/ik/dequant_digests.json,
// README there) of the same bytes (seeded_blocks.h's scheme, float fields
// tamed at the recorded offsets), dequantized here through dequantize_rows.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "gguf/format/tensor_type.h"
#include "gguf/io/content_hash.h"
#include "gguf/quant/cpu/quantize.h"
#include "seeded_blocks.h"

namespace {

using gguf::TensorType;

nlohmann::json load_entries() {
    std::ifstream in(std::string(GGUF_MTP_SOURCE_DIR) + "/testdata/ik/dequant_digests.json");
    return nlohmann::json::parse(in)["entries"];
}

// The ik types gguf-mtp promises to read as floats.
const std::set<TensorType> kPromised = {
    TensorType::Q6_0,     TensorType::IQ1_BN,   TensorType::IQ2_BN,    TensorType::IQ2_K,     TensorType::IQ3_K,
    TensorType::IQ4_K,    TensorType::IQ5_K,    TensorType::IQ6_K,     TensorType::IQ2_KS,    TensorType::IQ3_KS,
    TensorType::IQ4_KS,   TensorType::IQ4_KSS,  TensorType::IQ5_KS,    TensorType::IQ2_KL,    TensorType::IQ2_K_R4,
    TensorType::IQ3_K_R4, TensorType::IQ4_K_R4, TensorType::IQ5_K_R4,  TensorType::IQ4_KS_R4, TensorType::IQ5_KS_R4,
    TensorType::IQ2_BN_R4, TensorType::Q6_0_R4,   TensorType::Q8_KV,
};

std::vector<uint8_t> seeded_input(const nlohmann::json& e) {
    auto bytes = gguf_test::seeded_bytes(e["seed"].get<uint64_t>(), e["bytes"].get<size_t>());
    for (size_t offset : e["tamed_f16"]) gguf_test::tame_f16(bytes, offset);
    for (size_t offset : e["tamed_f32"]) gguf_test::tame_f32(bytes, offset);
    return bytes;
}

TEST(IkDequantize, FloatsEqualIksOnSeededBlocks) {
    std::set<TensorType> checked;
    for (const auto& e : load_entries()) {
        const auto type = gguf::type_from_file_id(e["id"].get<uint32_t>(), gguf::Dialect::ik_llama);
        ASSERT_TRUE(type.has_value()) << e["name"];
        if (!gguf::can_dequantize(*type)) continue;
        const auto bytes = seeded_input(e);
        const uint64_t row_length = e["row_length"];
        std::vector<float> floats(row_length * e["rows"].get<uint64_t>());
        ASSERT_TRUE(gguf::dequantize_rows(*type, bytes, row_length, floats).has_value()) << gguf::type_label(*type);
        std::vector<uint8_t> out(floats.size() * sizeof(float));
        std::memcpy(out.data(), floats.data(), out.size());
        EXPECT_EQ(gguf::content_hash(out), e["digest"].get<std::string>()) << gguf::type_label(*type);
        checked.insert(*type);
    }
    for (TensorType type : kPromised) EXPECT_TRUE(checked.contains(type)) << gguf::type_label(type) << " has no checked digest";
}

TEST(IkDequantize, InterleavedRowsMustComeInWholeGroups) {
    const uint64_t row_length = 256;
    const auto row = gguf::row_bytes(TensorType::IQ4_K_R4, row_length);
    ASSERT_TRUE(row.has_value());
    const std::vector<uint8_t> bytes(*row * 6);
    std::vector<float> floats(row_length * 6);
    const auto status = gguf::dequantize_rows(TensorType::IQ4_K_R4, bytes, row_length, floats);
    ASSERT_FALSE(status.has_value());
    EXPECT_NE(status.error().message.find("groups of 4"), std::string::npos) << status.error().message;
}

}  // namespace
