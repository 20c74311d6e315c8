// ik_llama.cpp's dialect of GGUF: its type ids read back as ik types, files
// of either dialect round-trip byte for byte, and a file mixing ids only one
// runtime each reads is refused naming a tensor of each kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

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
}

TEST(Dialect, AForcedDialectReadsSharedIdsButRefusesTheOthersOwn) {
    using S = gguf::StoredType;
    const std::vector<S> shared{{"a", 12}, {"q", 15}};
    EXPECT_EQ(*gguf::detect_dialect(shared, std::nullopt, Dialect::ik_llama, "m.gguf"), Dialect::ik_llama);
    EXPECT_EQ(*gguf::detect_dialect(shared, 145, Dialect::mainline, "m.gguf"), Dialect::mainline);
    auto ik_under_mainline = gguf::detect_dialect(std::vector<S>{{"a", 12}, {"b", 144}}, std::nullopt, Dialect::mainline, "m.gguf");
    ASSERT_FALSE(ik_under_mainline.has_value());
    EXPECT_EQ(ik_under_mainline.error().to_string(),
              "m.gguf: tensor 'b' has type id 144, IQ4_KS in ik_llama.cpp's files and no llama.cpp type: "
              "the file contradicts --dialect mainline");
    auto mainline_under_ik = gguf::detect_dialect(std::vector<S>{{"d", 34}}, std::nullopt, Dialect::ik_llama, "m.gguf");
    ASSERT_FALSE(mainline_under_ik.has_value());
    EXPECT_NE(mainline_under_ik.error().message.find("tensor 'd' has type id 34, TQ1_0"), std::string::npos) << mainline_under_ik.error().message;
}

// A file holding Q8_K (id 15) and nothing else that decides its dialect,
// written with the library's writer as each project would lay it out.
std::string q8k_file(const TempDir& dir, const std::string& name, TensorType q8k, bool q8k_last) {
    gguf::Plan plan;
    auto add = [&](const std::string& tensor, TensorType type, std::array<uint64_t, 4> ne) {
        gguf::PlannedTensor t;
        t.info.name = tensor;
        t.info.type = type;
        t.info.ne = ne;
        t.info.n_dims = 2;
        t.info.n_bytes = *gguf::tensor_bytes(type, ne);
        t.source = gguf::FillSource([tensor](std::span<uint8_t> out) {
            auto bytes = gguf_test::pattern_bytes(tensor, 7, out.size());
            std::copy(bytes.begin(), bytes.end(), out.begin());
            return gguf::Status{};
        });
        plan.tensors.push_back(std::move(t));
    };
    // 16 blocks: 4672 bytes in mainline, 4736 in ik, both multiples of the
    // alignment, so the padding cannot hide the difference.
    if (!q8k_last) add("token_embd.weight", q8k, {256, 16, 1, 1});
    add("output_norm.weight", TensorType::F32, {64, 1, 1, 1});
    add("output.weight", TensorType::Q4_K, {256, 4, 1, 1});
    if (q8k_last) add("token_embd.weight", q8k, {256, 16, 1, 1});
    const std::string path = dir.file(name);
    gguf_test::write_plan_or_fail(plan, path);
    return path;
}

struct Q8kCase {
    TensorType stored;
    bool last;
};

class Q8kDetection : public testing::TestWithParam<Q8kCase> {};

TEST_P(Q8kDetection, TheDialectWhoseSizesFitTheOffsetsIsChosen) {
    TempDir dir;
    const auto [stored, last] = GetParam();
    const std::string path = q8k_file(dir, "q8k.gguf", stored, last);
    auto file = gguf::GgufFile::open(path);
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    EXPECT_EQ(file->header().dialect, stored == TensorType::IK_Q8_K ? Dialect::ik_llama : Dialect::mainline);
    const auto index = file->find_tensor("token_embd.weight");
    EXPECT_EQ(file->tensors()[index].type, stored);
    EXPECT_EQ(file->tensors()[index].n_bytes, stored == TensorType::IK_Q8_K ? 16u * 296 : 16u * 292);
}

INSTANTIATE_TEST_SUITE_P(BothDialects, Q8kDetection,
                         testing::Values(Q8kCase{TensorType::Q8_K, false}, Q8kCase{TensorType::Q8_K, true},
                                         Q8kCase{TensorType::IK_Q8_K, false}, Q8kCase{TensorType::IK_Q8_K, true}));

TEST(Dialect, ForcingTheWrongDialectOnQ8kMisplacesTheDataAndIsRefused) {
    TempDir dir;
    const std::string path = q8k_file(dir, "mainline.gguf", TensorType::Q8_K, false);
    auto forced = gguf::GgufFile::open(path, gguf::OpenFor::data, gguf::ReadOptions{{}, Dialect::ik_llama});
    ASSERT_FALSE(forced.has_value());
    EXPECT_NE(forced.error().message.find("data overlaps tensor 'token_embd.weight'"), std::string::npos) << forced.error().message;
    auto right = gguf::Model::open(path, gguf::OpenFor::header, gguf::ReadOptions{{}, Dialect::mainline});
    ASSERT_TRUE(right.has_value()) << right.error().to_string();
}

TEST(Dialect, AGuessedDialectThatMisplacesQ8kDataSaysTheOtherMayBeNeeded) {
    // Mainline sizes end where ik's would: the last Q8_K tensor of an ik
    // file cut short by the 64 bytes ik's blocks add, as if mainline's.
    TempDir dir;
    const std::string path = q8k_file(dir, "ik.gguf", TensorType::IK_Q8_K, true);
    auto bytes = gguf_test::read_file(path);
    bytes.resize(bytes.size() - 64 - 32);
    gguf_test::write_file(path, bytes);
    auto file = gguf::GgufFile::open(path);
    ASSERT_FALSE(file.has_value());
    EXPECT_NE(file.error().message.find("extends past the end of the file (tensors such as 'token_embd.weight' were read as "
                                        "llama.cpp's Q8_K; if ik_llama.cpp wrote the file, --dialect ik may be needed)"),
              std::string::npos)
        << file.error().message;
}

TEST(Dialect, AFileWhoseIdsContradictTheForcedDialectIsRefusedNamingTheTensor) {
    TempDir dir;
    gguf_test::RandomPlanOptions options;
    options.tensors = 3;
    gguf::Plan plan = gguf_test::random_plan(3, options);
    plan.tensors.front().info.type = TensorType::IQ4_KS;
    plan.tensors.front().info.ne = {512, 2, 1, 1};
    plan.tensors.front().info.n_dims = 2;
    plan.tensors.front().info.n_bytes = *gguf::tensor_bytes(TensorType::IQ4_KS, plan.tensors.front().info.ne);
    gguf_test::write_plan_or_fail(plan, dir.file("ik.gguf"));
    auto file = gguf::GgufFile::open(dir.file("ik.gguf"), gguf::OpenFor::header, gguf::ReadOptions{{}, Dialect::mainline});
    ASSERT_FALSE(file.has_value());
    EXPECT_EQ(file.error().file, dir.file("ik.gguf"));
    EXPECT_NE(file.error().message.find("tensor '" + plan.tensors.front().info.name + "' has type id 144, IQ4_KS"), std::string::npos)
        << file.error().message;
    EXPECT_TRUE(gguf::GgufFile::open(dir.file("ik.gguf"), gguf::OpenFor::header, gguf::ReadOptions{{}, Dialect::ik_llama}).has_value());
}

}  // namespace
