// ik_llama.cpp's dialect of GGUF: its type ids read back as ik types, files
// of either dialect round-trip byte for byte, and a file mixing ids only one
// runtime each reads is refused naming a tensor of each kind.
#include <gtest/gtest.h>

#include "gguf/format/dialect.h"
#include "gguf/format/gguf_file.h"
#include "gguf/plan/writer.h"
#include "gguf/split/model.h"
#include "test_support.h"

using gguf::Dialect;
using gguf::TensorType;
using gguf_test::TempDir;

namespace {

class IkRoundTrip : public testing::TestWithParam<uint64_t> {};

TEST_P(IkRoundTrip, IkTypedPlanReadsBackAsIkAndRewritesIdentically) {
    const uint64_t seed = GetParam();
    gguf_test::RandomPlanOptions options;
    options.dialect = Dialect::ik_llama;
    options.tensors = 24;
    gguf::Plan plan = gguf_test::random_plan(seed, options);
    // One ik-only tensor makes the dialect certain whatever the draw.
    plan.tensors.front().info.type = TensorType::IQ4_KS;
    plan.tensors.front().info.ne = {512, 2, 1, 1};
    plan.tensors.front().info.n_dims = 2;
    plan.tensors.front().info.n_bytes = *gguf::tensor_bytes(TensorType::IQ4_KS, plan.tensors.front().info.ne);
    TempDir dir;
    gguf_test::write_plan_or_fail(plan, dir.file("a.gguf"));

    auto file = gguf::GgufFile::open(dir.file("a.gguf"));
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    EXPECT_EQ(file->header().dialect, Dialect::ik_llama);
    ASSERT_EQ(file->tensors().size(), plan.tensors.size());
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        EXPECT_EQ(file->tensors()[i].type, plan.tensors[i].info.type) << file->tensors()[i].name;
        EXPECT_EQ(file->tensors()[i].n_bytes, plan.tensors[i].info.n_bytes) << file->tensors()[i].name;
    }
    auto model = gguf::Model::open(dir.file("a.gguf"));
    ASSERT_TRUE(model.has_value()) << model.error().to_string();
    gguf_test::write_plan_or_fail(gguf::plan_copy(*model), dir.file("b.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("a.gguf")), gguf_test::read_file(dir.file("b.gguf")));
}

INSTANTIATE_TEST_SUITE_P(Seeds, IkRoundTrip, testing::Range<uint64_t>(1, 21));

TEST(IkTypes, SharedIdsMeanWhatTheDialectSays) {
    EXPECT_EQ(gguf::type_from_file_id(31, Dialect::ik_llama), TensorType::IK_Q4_0_4_4);
    EXPECT_EQ(gguf::type_from_file_id(36, Dialect::ik_llama), TensorType::I2_S);
    EXPECT_EQ(gguf::type_from_file_id(15, Dialect::ik_llama), TensorType::IK_Q8_K);
    EXPECT_EQ(gguf::type_from_file_id(15, Dialect::mainline), TensorType::Q8_K);
    EXPECT_EQ(gguf::type_from_file_id(41, Dialect::ik_llama), TensorType::Q1_0);
    EXPECT_FALSE(gguf::type_from_file_id(34, Dialect::ik_llama).has_value());  // TQ1_0 is mainline's
    EXPECT_FALSE(gguf::type_from_file_id(144, Dialect::mainline).has_value());
    EXPECT_FALSE(gguf::type_is_usable(31));  // mainline's retired Q4_0_4_4
    EXPECT_EQ(gguf::file_id_of(TensorType::I2_S), 36u);
    EXPECT_EQ(gguf::type_label(TensorType::IQ4_KS), "IQ4_KS (ik_llama.cpp id 144)");
    EXPECT_EQ(gguf::type_label(TensorType::Q4_K), "Q4_K");
}

TEST(IkTypes, RowsCarryTheirMetadataAndI2sItsTrailer) {
    // ik's ggml_row_size: row metadata plus whole blocks.
    EXPECT_EQ(*gguf::row_bytes(TensorType::IQ4_KS, 4096), 4u + 16 * 136);
    EXPECT_EQ(*gguf::row_bytes(TensorType::IQ2_KS, 4096), 2u + 16 * 70);
    EXPECT_EQ(*gguf::row_bytes(TensorType::IK_Q8_K, 256), 296u);
    EXPECT_EQ(*gguf::row_bytes(TensorType::Q8_K, 256), 292u);
    // ggml_nbytes of I2_S: a quarter byte per element, then 32 bytes.
    EXPECT_EQ(*gguf::tensor_bytes(TensorType::I2_S, {2560, 6912, 1, 1}), 2560u * 6912 / 4 + 32);
    EXPECT_EQ(gguf::type_traits(static_cast<uint32_t>(TensorType::IQ4_XS_R8))->interleaved_rows, 8u);
    EXPECT_EQ(gguf::type_traits(static_cast<uint32_t>(TensorType::IQ4_KS_R4))->interleaved_rows, 4u);
}

TEST(Dialect, OneSidedIdsDecideAndAFileMixingBothIsRefused) {
    using S = gguf::StoredType;
    const S common{"a", 12}, ik{"b", 144}, ik_shared_id{"c", 36}, mainline{"d", 34};
    auto detect = [](std::vector<S> types, std::optional<uint64_t> file_type = std::nullopt) {
        return gguf::detect_dialect(types, file_type, std::nullopt, "m.gguf");
    };
    EXPECT_EQ(*detect({common}), Dialect::mainline);
    EXPECT_EQ(*detect({common, ik}), Dialect::ik_llama);
    EXPECT_EQ(*detect({ik_shared_id}), Dialect::ik_llama);
    EXPECT_EQ(*detect({common, mainline}), Dialect::mainline);
    EXPECT_EQ(*detect({common}, 145), Dialect::ik_llama);  // LLAMA_FTYPE_MOSTLY_IQ4_KS
    auto mixed = detect({common, ik, mainline});
    ASSERT_FALSE(mixed.has_value());
    EXPECT_NE(mixed.error().message.find("tensor 'b' is IQ4_KS (ik_llama.cpp id 144)"), std::string::npos) << mixed.error().message;
    EXPECT_NE(mixed.error().message.find("tensor 'd' is TQ1_0"), std::string::npos) << mixed.error().message;
    EXPECT_EQ(*gguf::detect_dialect(std::vector<S>{common, ik}, std::nullopt, Dialect::mainline, "m.gguf"), Dialect::mainline);
}

}  // namespace
