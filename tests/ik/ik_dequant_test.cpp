// Dequantized floats against ik_llama.cpp's own dequantize_row_* on seeded
// blocks: digests recorded from ik's build (testdata/ik/dequant_digests.json,
// README there) of the same bytes (seeded_blocks.h's scheme, float fields
// tamed at the recorded offsets), dequantized here through dequantize_rows.
// For the layouts ik only repacks into (BF16_R16, Q4_0_4_4 ...), the digest
// is of ik's floats of the rows its repacking was given.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "gguf/format/tensor_info.h"
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
    TensorType::IQ2_BN_R4, TensorType::Q6_0_R4,   TensorType::Q8_KV,     TensorType::I2_S,      TensorType::BF16_R16,
    TensorType::IK_Q4_0_4_4, TensorType::IK_Q4_0_4_8, TensorType::IK_Q4_0_8_8,
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
        const uint64_t row_length = e["row_length"], rows = e["rows"];
        // I2_S's bytes end with its tensor's trailer (its scale).
        const std::span<const uint8_t> all(bytes);
        const uint64_t rows_bytes = rows * *gguf::row_bytes(*type, row_length);
        std::vector<float> floats(row_length * rows);
        const auto status = gguf::dequantize_rows(*type, all.first(rows_bytes), row_length, floats, all.subspan(rows_bytes));
        ASSERT_TRUE(status.has_value()) << gguf::type_label(*type) << ": " << status.error().message;
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

TEST(IkDequantize, I2sRowsNeedTheirTensorsScaleAndWholeBlocks) {
    const std::vector<uint8_t> rows(2 * 512 / 4), trailer(gguf::tensor_trailer_bytes(TensorType::I2_S));
    std::vector<float> floats(2 * 512);
    const auto without = gguf::dequantize_rows(TensorType::I2_S, rows, 512, floats);
    ASSERT_FALSE(without.has_value());
    EXPECT_NE(without.error().message.find("need the 32 bytes after their tensor's last row"), std::string::npos) << without.error().message;
    // ik packs 128 values in 32 bytes, on across rows: a 64-value row starts mid-block.
    std::vector<float> short_rows(4 * 64);
    const auto cut = gguf::dequantize_rows(TensorType::I2_S, std::span(rows).first(64), 64, short_rows, trailer);
    ASSERT_FALSE(cut.has_value());
    EXPECT_NE(cut.error().message.find("128-value blocks"), std::string::npos) << cut.error().message;
}

// ik's dequantize_row_mxfp4_r8 decodes 8 rows' worth of blocks for each row
// of its group, reading and writing past the group: no floats to match.
TEST(IkDequantize, Mxfp4R8IsRefusedWithItsReason) {
    EXPECT_FALSE(gguf::can_dequantize(TensorType::MXFP4_R8));
    const auto row = *gguf::row_bytes(TensorType::MXFP4_R8, 256);
    const std::vector<uint8_t> bytes(row * 8);
    std::vector<float> floats(256 * 8);
    const auto status = gguf::dequantize_rows(TensorType::MXFP4_R8, bytes, 256, floats);
    ASSERT_FALSE(status.has_value());
    EXPECT_NE(status.error().message.find("reads and writes past each group of 8 rows"), std::string::npos) << status.error().message;
    EXPECT_TRUE(gguf::dequantize_refusal(TensorType::Q8_KV).empty());
}

}  // namespace
