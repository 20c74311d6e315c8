// verify on real bytes: every fixture passes (split, .zst and data scan
// included), every broken-file case fails with a message that names the
// problem, damage injected into data is found at its exact offset, pairs are
// checked as merge checks them, and manifests catch changed files.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "broken_catalogue.h"
#include "gguf/io/file_hash.h"
#include "gguf/mtp/mtp.h"
#include "gguf/verify/verify.h"
#include "gguf/plan/writer.h"
#include "gguf_fixtures.h"
#include "test_support.h"

using gguf::Check;
using gguf::Severity;
using gguf::TensorType;
using gguf_test::TempDir;
using gguf_test::open_or_die;

namespace {


// A fixture and the releases whose llama.cpp loads and runs it, as the
// manifest says (the oracle tests hold the manifest to the real libllama).
struct FixtureFile {
    std::string file;
    std::vector<std::string> loads_in, runs_in;
    bool runs_everywhere() const { return runs_in.size() == gguf::llama_releases().size(); }
};

std::vector<FixtureFile> fixture_entries() {
    std::ifstream in(fixtures::kFixturesManifest);
    std::vector<FixtureFile> out;
    for (const auto& e : nlohmann::json::parse(in)) out.push_back({e.at("file"), e.at("loads_in"), e.at("runs_in")});
    return out;
}

// "v0.5.0" or "v0.4.0, v0.5.0", as verify lists releases.
std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string all_lines(const gguf::VerifyReport& r) {
    std::string text;
    for (const auto& f : r.findings) text += std::string(gguf::check_name(f.check)) + ": " + f.error.to_string() + "\n";
    return text;
}

size_t count_check(const gguf::VerifyReport& r, Check check) {
    return std::count_if(r.findings.begin(), r.findings.end(), [&](const gguf::Finding& f) { return f.check == check; });
}

bool mentions(const gguf::VerifyReport& r, const std::string& part) { return all_lines(r).find(part) != std::string::npos; }

const gguf::VerifyOptions kScanData{.scan_data = true, .threads = 2, .on_progress = {}};

// ---------------------------------------------------------------- good files

// Fixtures that some release does not run get release findings only (see
// VerifyReleases below); nothing else.
TEST(VerifyFixtures, EveryFixturePassesWithoutFindingsDataIncluded) {
    for (const auto& entry : fixture_entries()) {
        const std::string& file = entry.file;
        auto r = gguf::verify_model(fixtures::path(file), kScanData);
        EXPECT_EQ(r.findings.size(), count_check(r, Check::release)) << file << "\n" << all_lines(r);
        EXPECT_GT(r.tensors, 0u) << file;
        EXPECT_EQ(r.bytes_scanned, r.tensor_bytes) << file;
    }
}

TEST(VerifyFixtures, SplitSetsAndZstdStreamsPassFromAnyShard) {
    TempDir dir;
    const auto model = open_or_die(fixtures::path("step35-bundled-q.gguf"));
    gguf::WriteOptions split;
    split.output = dir.file("s.gguf");
    split.split.max_tensors = 40;
    ASSERT_TRUE(gguf::write_plan(gguf::plan_copy(model), split).has_value());
    gguf::WriteOptions packed;
    packed.output = dir.file("p.gguf.zst");
    ASSERT_TRUE(gguf::write_plan(gguf::plan_copy(model), packed).has_value());
    for (const char* name : {"s-00001-of-00003.gguf", "s-00003-of-00003.gguf", "p.gguf.zst"}) {
        auto r = gguf::verify_model(dir.file(name), kScanData);
        EXPECT_TRUE(r.findings.empty()) << name << "\n" << all_lines(r);
        EXPECT_EQ(r.tensors, model.tensors().size()) << name;
    }
    EXPECT_EQ(gguf::verify_model(dir.file("s-00002-of-00003.gguf")).files.size(), 3u);
}

// ---------------------------------------------------------------- broken files

class VerifyBrokenFile : public testing::TestWithParam<gguf_test::Case> {};

TEST_P(VerifyBrokenFile, FailsWithAMessageNamingTheProblem) {
    const auto& c = GetParam();
    TempDir dir;
    gguf_test::write_file(dir.file("broken.gguf"), c.make());
    auto r = gguf::verify_model(dir.file("broken.gguf"), kScanData);
    EXPECT_FALSE(r.ok()) << c.name;
    EXPECT_TRUE(mentions(r, c.message_part)) << c.name << "\n" << all_lines(r);
    for (const auto& f : r.findings) {
        EXPECT_EQ(f.error.file, dir.file("broken.gguf"));
        EXPECT_EQ(f.error.to_string().find('\n'), std::string::npos);
    }
}

INSTANTIATE_TEST_SUITE_P(Catalogue, VerifyBrokenFile, testing::ValuesIn(gguf_test::catalogue()),
                         [](const testing::TestParamInfo<gguf_test::Case>& info) { return info.param.name; });

TEST(VerifyBrokenFiles, EveryDataExtentProblemIsListedNotOnlyTheFirst) {
    TempDir dir;
    gguf_test::RawFile raw;
    raw.tensors[1].offset += 4;                     // misaligned
    raw.tensors[2].offset = raw.tensors[0].offset;  // overlaps tensor_aa
    gguf_test::write_file(dir.file("two.gguf"), raw.bytes());
    auto r = gguf::verify_model(dir.file("two.gguf"));
    EXPECT_EQ(count_check(r, Check::data_extents), 2u) << all_lines(r);
    EXPECT_TRUE(mentions(r, "tensor 'tensor_ab' data offset 68 is not a multiple of the alignment 32")) << all_lines(r);
    EXPECT_TRUE(mentions(r, "tensor 'tensor_ac' data overlaps tensor 'tensor_aa'")) << all_lines(r);
}

TEST(VerifyBrokenFiles, ATruncatedFileCountsTheTensorsItsHeaderLists) {
    TempDir dir;
    const gguf::Model whole = open_or_die(fixtures::path("llama-bundled.gguf"));
    auto bytes = gguf_test::read_file(fixtures::path("llama-bundled.gguf"));
    bytes.resize(bytes.size() / 2);
    gguf_test::write_file(dir.file("cut.gguf"), bytes);
    auto r = gguf::verify_model(dir.file("cut.gguf"));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.tensors, whole.tensors().size());
    EXPECT_EQ(r.tensor_bytes, whole.total_tensor_bytes());
}

TEST(VerifyBrokenFiles, ABrokenSplitSetListsEachMissingAndDamagedShard) {
    TempDir dir;
    gguf::WriteOptions split;
    split.output = dir.file("s.gguf");
    split.split.max_tensors = 20;
    ASSERT_TRUE(gguf::write_plan(gguf::plan_copy(open_or_die(fixtures::path("step35-bundled.gguf"))), split).has_value());
    std::filesystem::remove(dir.file("s-00003-of-00006.gguf"));
    std::filesystem::remove(dir.file("s-00005-of-00006.gguf"));
    auto shard2 = gguf_test::read_file(dir.file("s-00002-of-00006.gguf"));
    shard2.resize(shard2.size() - 100);
    gguf_test::write_file(dir.file("s-00002-of-00006.gguf"), shard2);
    auto r = gguf::verify_model(dir.file("s-00001-of-00006.gguf"));
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "shard 3 of 6 is missing")) << all_lines(r);
    EXPECT_TRUE(mentions(r, "shard 5 of 6 is missing")) << all_lines(r);
    EXPECT_TRUE(mentions(r, "s-00002-of-00006.gguf: offset")) << all_lines(r);
    EXPECT_TRUE(mentions(r, "extends past the end of the file")) << all_lines(r);
}

TEST(VerifyBrokenFiles, BytesNoTensorUsesAreWarningsNotErrors) {
    TempDir dir;
    auto bytes = gguf_test::read_file(fixtures::path("llama-bundled.gguf"));
    bytes.resize(bytes.size() + 100, 0);
    gguf_test::write_file(dir.file("tail.gguf"), bytes);
    auto r = gguf::verify_model(dir.file("tail.gguf"));
    EXPECT_TRUE(r.ok()) << all_lines(r);
    ASSERT_EQ(r.count(Severity::warning), 1u) << all_lines(r);
    EXPECT_TRUE(mentions(r, "100 bytes after the last tensor's data")) << all_lines(r);
}

// ---------------------------------------------------------------- block_count and MTP keys

// Writes `plan` (after `edit`) and verifies it.
gguf::VerifyReport verify_edited(const std::string& source, const std::function<void(gguf::Plan&)>& edit,
                                 const gguf::VerifyOptions& options = {}) {
    TempDir dir;
    const auto model = open_or_die(fixtures::path(source));
    auto plan = gguf::plan_copy(model);
    edit(plan);
    gguf_test::write_plan_or_fail(plan, dir.file("edited.gguf"));
    return gguf::verify_model(dir.file("edited.gguf"), options);
}

void remove_tensor(gguf::Plan& plan, const std::string& name) {
    std::erase_if(plan.tensors, [&](const gguf::PlannedTensor& t) { return t.info.name == name; });
}

TEST(VerifyKeys, APerLayerArrayOfTheWrongLengthIsNamed) {
    auto r = verify_edited("step35-bundled.gguf", [](gguf::Plan& p) {
        const std::vector<int64_t> six(6, 4);
        p.metadata.set("step35.attention.head_count", gguf::Value::int_array(gguf::ValueType::u32, six));
    });
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "step35.attention.head_count has 6 entries, expected 7")) << all_lines(r);
    EXPECT_EQ(count_check(r, Check::block_count), 1u) << all_lines(r);
}

TEST(VerifyKeys, TrunkOnlyArraysCountTheTrunksBlocks) {
    auto good = verify_edited("glm-dsa-bundled.gguf", [](gguf::Plan&) {});
    EXPECT_TRUE(good.findings.empty()) << all_lines(good);
    auto r = verify_edited("glm-dsa-bundled.gguf", [](gguf::Plan& p) {
        const bool three[] = {true, false, true};
        p.metadata.set("glm-dsa.attention.indexer.types", gguf::Value::bool_array(three));
    });
    EXPECT_TRUE(mentions(r, "glm-dsa.attention.indexer.types has 3 entries, expected 2 (one per trunk block")) << all_lines(r);
}

TEST(VerifyKeys, DeepseekCompressRatiosNeedAtLeastOneEntryPerBlock) {
    // convert's --no-mtp file keeps the MTP block's ratio: 3 entries, 2 blocks.
    auto trunk = verify_edited("deepseek4-trunk.gguf", [](gguf::Plan&) {});
    EXPECT_TRUE(trunk.findings.empty()) << all_lines(trunk);
    auto r = verify_edited("deepseek4-bundled.gguf", [](gguf::Plan& p) {
        const std::vector<int64_t> two = {4, 128};
        p.metadata.set("deepseek4.attention.compress_ratios", gguf::Value::int_array(gguf::ValueType::i32, two));
    });
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "deepseek4.attention.compress_ratios has 2 entries, expected 3 to 512 (one or more per block: "
                            "deepseek4.block_count"))
        << all_lines(r);
}

// step35's sliding-window pattern with one entry per trunk block (6 of 7
// blocks): v0.5.0 reads any length, v0.4.0 wants one entry per block.
void trunk_length_window_pattern(gguf::Plan& p) {
    const bool six[] = {false, true, true, true, false, true};
    p.metadata.set("step35.attention.sliding_window_pattern", gguf::Value::bool_array(six));
}

TEST(VerifyReleases, AnArrayOnlyAnOlderReleaseRefusesIsAWarningNamingIt) {
    auto r = verify_edited("step35-bundled.gguf", trunk_length_window_pattern);
    EXPECT_TRUE(r.ok()) << all_lines(r);
    EXPECT_EQ(r.count(gguf::Severity::warning), 1u) << all_lines(r);
    EXPECT_TRUE(mentions(r, "loads in llama.cpp v0.5.0, not in v0.4.0: step35.attention.sliding_window_pattern has 6 entries, "
                            "v0.4.0 expects 7 (one per block: step35.block_count)"))
        << all_lines(r);
}

TEST(VerifyReleases, UnderTheRefusingReleaseItIsAnErrorNamingWhereItLoads) {
    gguf::VerifyOptions v040;
    v040.release = gguf::LlamaRelease::v0_4_0;
    auto r = verify_edited("step35-bundled.gguf", trunk_length_window_pattern, v040);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "step35.attention.sliding_window_pattern has 6 entries, expected 7 (one per block: step35.block_count); "
                            "loads in llama.cpp v0.5.0, not in v0.4.0"))
        << all_lines(r);
}

// get_arr in v0.5.0's step35 loader needs an array where v0.4.0's
// get_key_or_arr also took one value for every block.
TEST(VerifyReleases, AScalarWindowPatternLoadsOnlyWhereASingleValueIsRead) {
    auto scalar = [](gguf::Plan& p) { p.metadata.set("step35.attention.sliding_window_pattern", gguf::Value::boolean(true)); };
    auto r = verify_edited("step35-bundled.gguf", scalar);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "step35.attention.sliding_window_pattern is a single value, expected an array (one entry per layer); "
                            "loads in llama.cpp v0.4.0, not in v0.5.0"))
        << all_lines(r);
    gguf::VerifyOptions v040;
    v040.release = gguf::LlamaRelease::v0_4_0;
    auto older = verify_edited("step35-bundled.gguf", scalar, v040);
    EXPECT_TRUE(older.ok()) << all_lines(older);
    EXPECT_TRUE(mentions(older, "loads in llama.cpp v0.4.0, not in v0.5.0: step35.attention.sliding_window_pattern is a single value"))
        << all_lines(older);
}

TEST(VerifyReleases, AMissingWindowPatternIsNamedByEveryReleaseThatNeedsIt) {
    auto r = verify_edited("step35-bundled.gguf", [](gguf::Plan& p) { p.metadata.remove("step35.attention.sliding_window_pattern"); });
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "step35.attention.sliding_window_pattern is absent, expected an array (one entry per layer)")) << all_lines(r);
    EXPECT_FALSE(mentions(r, "loads in")) << "no release loads it: " << all_lines(r);
}

// Convert's own layouts, under each release: clean where every release runs
// them; where one does not (nemotron's latent MTP projections, step35's
// fused QKV), an error under that release and a warning under the others,
// both naming the releases that load (or load but cannot run) the file.
TEST(VerifyReleases, ConvertsOwnLayoutsPassUnderEveryReleaseThatRunsThem) {
    for (const auto& release : gguf::llama_releases()) {
        gguf::VerifyOptions options;
        options.release = release.release;
        for (const auto& f : fixture_entries()) {
            SCOPED_TRACE(std::string(release.name) + " " + f.file);
            // A head no release loads on its own (exaone's, which only
            // merges into a trunk) is not a release difference.
            if (f.loads_in.empty()) continue;
            const auto r = gguf::verify_model(fixtures::path(f.file), options);
            if (f.runs_everywhere()) {
                EXPECT_TRUE(r.findings.empty()) << all_lines(r);
                continue;
            }
            EXPECT_EQ(r.ok(), contains(f.runs_in, release.name)) << all_lines(r);
            EXPECT_EQ(count_check(r, Check::release), r.findings.size()) << all_lines(r);
            // Every release missing from runs_in is named; a file a release
            // does not even load says "loads in", one it loads "runs in".
            for (const auto& other : gguf::llama_releases()) {
                if (contains(f.runs_in, other.name)) continue;
                const std::string verb = contains(f.loads_in, other.name) ? "runs" : "loads";
                const std::string where = verb + " in llama.cpp " + joined(f.runs_in);
                if (other.release == release.release) {
                    EXPECT_TRUE(mentions(r, "; " + where + ", not in " + std::string(other.name))) << all_lines(r);
                } else {
                    EXPECT_TRUE(mentions(r, where + ", not in " + std::string(other.name) + ": tensor '")) << all_lines(r);
                }
            }
        }
    }
}

// The table's tensor rules apply where the loader applies them: latent
// projections in nemotron's trunk blocks load in both releases.
TEST(VerifyReleases, LatentProjectionsOutsideTheMtpBlockLoadEverywhere) {
    gguf::VerifyOptions v040;
    v040.release = gguf::LlamaRelease::v0_4_0;
    const auto r = gguf::verify_model(fixtures::path("nemotron_h_moe-latent-trunk.gguf"), v040);
    EXPECT_TRUE(r.findings.empty()) << all_lines(r);
    const auto bundled = gguf::verify_model(fixtures::path("nemotron_h_moe-latent-bundled.gguf"), v040);
    EXPECT_TRUE(mentions(bundled, "tensor 'blk.4.ffn_latent_down.weight' in an MTP block")) << all_lines(bundled);
    EXPECT_FALSE(mentions(bundled, "blk.1.")) << all_lines(bundled);
}

TEST(VerifyKeys, ATensorBeyondBlockCountIsNamed) {
    auto r = verify_edited("llama-bundled.gguf", [](gguf::Plan& p) {
        const uint64_t blocks = *p.metadata.get_uint("llama.block_count");
        p.metadata.set("llama.block_count", gguf::Value::u32(static_cast<uint32_t>(blocks - 1)));
    });
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "is in block")) << all_lines(r);
    for (const auto& f : r.findings) EXPECT_EQ(f.tensor.rfind("blk.", 0), 0u) << f.error.to_string();
}

TEST(VerifyKeys, AnMtpBlockLackingARequiredTensorIsNamed) {
    auto r = verify_edited("glm4moe-bundled.gguf", [](gguf::Plan& p) {
        remove_tensor(p, "blk.2.nextn.enorm.weight");
        remove_tensor(p, "blk.2.nextn.hnorm.weight");
    });
    EXPECT_EQ(count_check(r, Check::mtp), 2u) << all_lines(r);
    EXPECT_TRUE(mentions(r, "MTP block 2 (glm4moe.nextn_predict_layers 1) lacks tensor 'blk.2.nextn.enorm.weight'")) << all_lines(r);
    EXPECT_TRUE(mentions(r, "'blk.2.nextn.hnorm.weight'")) << all_lines(r);
}

TEST(VerifyKeys, NextnTensorsWithoutTheKeyAreNamed) {
    auto r = verify_edited("glm4moe-bundled.gguf", [](gguf::Plan& p) { p.metadata.remove("glm4moe.nextn_predict_layers"); });
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "tensor 'blk.2.nextn.eh_proj.weight' is a NextN tensor but glm4moe.nextn_predict_layers is absent or 0"))
        << all_lines(r);
}

TEST(VerifyKeys, ADeclaredHeadThatIsAbsentIsNamed) {
    auto r = verify_edited("glm4moe-trunk.gguf", [](gguf::Plan& p) {
        const uint64_t blocks = *p.metadata.get_uint("glm4moe.block_count");
        p.metadata.set("glm4moe.block_count", gguf::Value::u32(static_cast<uint32_t>(blocks + 1)));
        p.metadata.set("glm4moe.nextn_predict_layers", gguf::Value::u32(1));
    });
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(mentions(r, "lacks tensor 'blk.2.nextn.eh_proj.weight'")) << all_lines(r);
}

// ---------------------------------------------------------------- tensor data

// A zero-filled model of one 256-element row per tensor, to patch.
std::string zero_model(const TempDir& dir, const std::vector<TensorType>& types) {
    gguf::Plan plan;
    plan.metadata.append(gguf::keys::kArchitecture, gguf::Value::string("test"));
    for (auto type : types) {
        gguf::TensorInfo info;
        info.name = "t." + std::string(gguf::type_display_name(type));
        info.type = type;
        info.ne = {256, 1, 1, 1};
        info.n_bytes = *gguf::tensor_bytes(type, info.ne);
        plan.tensors.push_back({info, gguf::FillSource([](std::span<uint8_t> out) -> gguf::Status {
                                    std::fill(out.begin(), out.end(), 0);
                                    return {};
                                })});
    }
    const std::string path = dir.file("zero.gguf");
    gguf_test::write_plan_or_fail(plan, path);
    return path;
}

struct Damage {
    TensorType type;
    uint32_t at;                 // byte within block 1
    std::vector<uint8_t> bytes;  // written there
    std::string expected;        // part of the message
};

// One case per layout of checked field in ggml_validate_row_data.
const std::vector<Damage>& damages() {
    static const std::vector<Damage> all = {
        {TensorType::F32, 0, {0x00, 0x00, 0xc0, 0x7f}, "element 1 of 256 (row 0) is NaN"},
        {TensorType::F32, 0, {0x00, 0x00, 0x80, 0xff}, "element 1 of 256 (row 0) is Inf"},
        {TensorType::F16, 0, {0x00, 0x7e}, "element 1 of 256 (row 0) is NaN"},
        {TensorType::BF16, 0, {0x80, 0x7f}, "element 1 of 256 (row 0) is Inf"},
        {TensorType::F64, 0, {0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, "is NaN"},
        {TensorType::F64, 0, {0x9c, 0x75, 0x00, 0x88, 0x3c, 0xe4, 0x37, 0x7e}, "is a value beyond the f32 range"},  // 1e300
        {TensorType::Q8_0, 0, {0x00, 0x7e}, "block 1 of 8 (row 0) has NaN in d"},
        {TensorType::Q4_0, 0, {0x00, 0x7c}, "block 1 of 8 (row 0) has Inf in d"},
        {TensorType::Q4_1, 2, {0x01, 0x7c}, "has NaN in m"},
        {TensorType::Q4_K, 0, {0x00, 0x7e}, "block 0 of 1 (row 0) has NaN in d"},
        {TensorType::Q4_K, 2, {0x00, 0x7e}, "has NaN in dmin"},
        {TensorType::Q2_K, 82, {0x00, 0x7e}, "has NaN in dmin"},
        {TensorType::Q6_K, 208, {0x00, 0x7e}, "has NaN in d"},
        {TensorType::Q3_K, 108, {0x00, 0x7c}, "has Inf in d"},
        {TensorType::TQ2_0, 64, {0x00, 0x7e}, "has NaN in d"},
        {TensorType::IQ4_XS, 0, {0x00, 0x7e}, "has NaN in d"},
        {TensorType::Q8_K, 0, {0x00, 0x00, 0xc0, 0x7f}, "has NaN in d"},
        {TensorType::IQ1_M, 48, {0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x70}, "has NaN in scale"},
        {TensorType::MXFP4, 0, {0xff}, "has 0xFF (reserved E8M0 exponent) in e"},
    };
    return all;
}

TEST(VerifyData, AZeroModelOfEveryCheckedTypeIsClean) {
    TempDir dir;
    std::vector<TensorType> types;
    for (const auto& d : damages()) {
        if (std::find(types.begin(), types.end(), d.type) == types.end()) types.push_back(d.type);
    }
    auto r = gguf::verify_model(zero_model(dir, types), kScanData);
    EXPECT_TRUE(r.findings.empty()) << all_lines(r);
    EXPECT_EQ(r.bytes_scanned, r.tensor_bytes);
}

TEST(VerifyData, DamageInOneBlockIsFoundAtItsOffsetNamingTensorAndBlock) {
    for (const auto& d : damages()) {
        TempDir dir;
        const auto clean_neighbour = d.type == TensorType::F16 ? TensorType::F32 : TensorType::F16;
        const std::string path = zero_model(dir, {clean_neighbour, d.type});
        const auto model = open_or_die(path);
        const auto ref = *model.find("t." + std::string(gguf::type_display_name(d.type)));
        const auto traits = *gguf::type_traits(static_cast<uint32_t>(d.type));
        const uint32_t block = traits.block_size == 256 ? 0 : 1;  // a super-block type has one block per row
        const uint64_t offset = model.shard(0).tensor_file_offset(ref.index) + block * traits.block_bytes + d.at;
        auto bytes = gguf_test::read_file(path);
        std::copy(d.bytes.begin(), d.bytes.end(), bytes.begin() + static_cast<long>(offset));
        gguf_test::write_file(path, bytes);

        auto r = gguf::verify_model(path, kScanData);
        ASSERT_EQ(r.findings.size(), 1u) << gguf::type_display_name(d.type) << "\n" << all_lines(r);
        const auto& f = r.findings[0];
        EXPECT_EQ(f.check, Check::tensor_data);
        EXPECT_EQ(f.tensor, "t." + std::string(gguf::type_display_name(d.type)));
        EXPECT_EQ(f.error.offset, offset) << f.error.to_string();
        EXPECT_NE(f.error.message.find(d.expected), std::string::npos) << f.error.to_string();
        EXPECT_NE(f.error.message.find("tensor '" + f.tensor + "'"), std::string::npos) << f.error.to_string();
        EXPECT_TRUE(gguf::verify_model(path).ok()) << "without --data the data is not read";
    }
}

TEST(VerifyData, EveryBadValueIsCountedInOneLinePerTensor) {
    TempDir dir;
    const std::string path = zero_model(dir, {TensorType::F32});
    const auto model = open_or_die(path);
    const uint64_t start = model.shard(0).tensor_file_offset(0);
    auto bytes = gguf_test::read_file(path);
    for (uint64_t e : {7u, 100u, 255u}) {
        const uint8_t nan[] = {0x00, 0x00, 0xc0, 0x7f};
        std::copy(std::begin(nan), std::end(nan), bytes.begin() + static_cast<long>(start + e * 4));
    }
    gguf_test::write_file(path, bytes);
    auto r = gguf::verify_model(path, kScanData);
    ASSERT_EQ(r.findings.size(), 1u) << all_lines(r);
    EXPECT_NE(r.findings[0].error.message.find("element 7 of 256 (row 0) is NaN; 3 invalid values"), std::string::npos)
        << all_lines(r);
}

// ik_llama.cpp's loader checks its Q4_0 repacks (the 4 or 8 scales a block
// group starts with) and its Q8_K, and none of its own types' fields: a NaN
// in an IQ4_KS row scale loads there, so verify --data passes it too.
TEST(VerifyData, IkFilesAreCheckedAsIksLoaderChecksThem) {
    struct IkDamage {
        TensorType type;
        uint64_t at;                 // byte within the tensor
        std::vector<uint8_t> bytes;  // written there
        std::string expected;        // part of the message; empty: no finding
    };
    const std::vector<IkDamage> damages = {
        {TensorType::IK_Q4_0_4_4, 72 + 4, {0x00, 0x7e}, "block group 1 of 2 (rows 0-3) has NaN in d[2]"},
        {TensorType::IK_Q4_0_8_8, 14, {0x00, 0x7c}, "block group 0 of 1 (rows 0-7) has Inf in d[7]"},
        {TensorType::IK_Q8_K, 0, {0x00, 0x00, 0xc0, 0x7f}, "block 0 of 1 (row 0) has NaN in d"},
        {TensorType::IQ4_KS, 0, {0x00, 0x00, 0xc0, 0x7f}, ""},
    };
    for (const auto& d : damages) {
        TempDir dir;
        const std::string path = zero_model(dir, {TensorType::F16, d.type});
        auto clean = gguf::verify_model(path, kScanData);
        EXPECT_TRUE(clean.findings.empty()) << all_lines(clean);
        const auto model = open_or_die(path);
        const std::string name = "t." + std::string(gguf::type_display_name(d.type));
        const uint64_t offset = model.shard(0).tensor_file_offset(model.find(name)->index) + d.at;
        auto bytes = gguf_test::read_file(path);
        std::copy(d.bytes.begin(), d.bytes.end(), bytes.begin() + static_cast<long>(offset));
        gguf_test::write_file(path, bytes);

        auto r = gguf::verify_model(path, kScanData);
        if (d.expected.empty()) {
            EXPECT_TRUE(r.findings.empty()) << name << "\n" << all_lines(r);
            continue;
        }
        ASSERT_EQ(r.findings.size(), 1u) << name << "\n" << all_lines(r);
        EXPECT_EQ(r.findings[0].tensor, name);
        EXPECT_EQ(r.findings[0].error.offset, offset) << r.findings[0].error.to_string();
        EXPECT_NE(r.findings[0].error.message.find(d.expected), std::string::npos) << r.findings[0].error.to_string();
    }
}

// ---------------------------------------------------------------- pairs

TEST(VerifyPair, AMatchingTrunkAndHeadPass) {
    auto r = gguf::verify_pair(fixtures::path("glm4moe-trunk.gguf"), fixtures::path("glm4moe-mtp.gguf"), kScanData);
    EXPECT_TRUE(r.findings.empty()) << all_lines(r);
    EXPECT_EQ(r.files.size(), 2u);
}

TEST(VerifyPair, AMismatchIsReportedWithTheKeyAndBothValues) {
    auto r = gguf::verify_pair(fixtures::path("qwen35moe-trunk.gguf"), fixtures::path("glm4moe-mtp.gguf"));
    EXPECT_EQ(count_check(r, Check::pair), 1u) << all_lines(r);
    EXPECT_TRUE(mentions(r, "general.architecture is \"glm4moe\" in the head but \"qwen35moe\" in the trunk")) << all_lines(r);
    auto bundled = gguf::verify_pair(fixtures::path("glm4moe-bundled.gguf"), fixtures::path("glm4moe-mtp.gguf"));
    EXPECT_TRUE(mentions(bundled, "already has 1 NextN layer(s)")) << all_lines(bundled);
}

TEST(VerifyPair, ABrokenMemberIsReportedAndThePairCheckSkipped) {
    TempDir dir;
    gguf_test::write_file(dir.file("broken.gguf"), gguf_test::catalogue()[0].make());
    auto r = gguf::verify_pair(fixtures::path("glm4moe-trunk.gguf"), dir.file("broken.gguf"));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(count_check(r, Check::pair), 0u);
    EXPECT_EQ(count_check(r, Check::file), 1u) << all_lines(r);
}

// ---------------------------------------------------------------- hashes and manifests

TEST(FileHash, MatchesOneShotXxh3OfTheWholeFileAcrossReads) {
    TempDir dir;
    const auto bytes = gguf_test::pattern_bytes("hash", 1, (size_t(9) << 20) + 13);  // spans several reads
    gguf_test::write_file(dir.file("f"), bytes);
    std::vector<uint64_t> progress;
    auto h = gguf::hash_file(dir.file("f"), [&](uint64_t done, uint64_t total) {
        EXPECT_EQ(total, bytes.size());
        progress.push_back(done);
    });
    ASSERT_TRUE(h.has_value()) << h.error().to_string();
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits(bytes.data(), bytes.size()));
    char hex[33];
    for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", canonical.digest[i]);
    EXPECT_EQ(h->xxh3_128, std::string(hex));
    EXPECT_EQ(h->bytes, bytes.size());
    ASSERT_GT(progress.size(), 1u);
    EXPECT_EQ(progress.back(), bytes.size());
}

TEST(FileHash, EmptyFileHasXxhsumsDigest) {
    TempDir dir;
    gguf_test::write_file(dir.file("empty"), {});
    auto h = gguf::hash_file(dir.file("empty"));
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->xxh3_128, "99aa06d3014798d86001c324468d497f");  // xxh128sum of an empty file
    EXPECT_EQ(gguf::hash_file(dir.file("absent")).error().code, gguf::ErrorCode::io);
}

class VerifyOutputs : public testing::Test {
protected:
    void SetUp() override {
        for (const char* name : {"a.gguf", "b.gguf"}) {
            std::filesystem::copy_file(fixtures::path(std::string(name) == "a.gguf" ? "glm4moe-trunk.gguf" : "glm4moe-mtp.gguf"), dir_.file(name));
            auto h = gguf::hash_file(dir_.file(name));
            ASSERT_TRUE(h.has_value());
            outputs_.push_back({name, h->bytes, h->xxh3_128});
        }
    }
    gguf::VerifyReport verify() const { return gguf::verify_outputs(outputs_, dir_.path().string()); }
    TempDir dir_;
    std::vector<gguf::ListedOutput> outputs_;
};

TEST_F(VerifyOutputs, UnchangedOutputsPass) {
    auto r = verify();
    EXPECT_TRUE(r.findings.empty()) << all_lines(r);
    EXPECT_EQ(r.bytes_scanned, outputs_[0].bytes + outputs_[1].bytes);
}

TEST_F(VerifyOutputs, AFlippedByteIsAMismatchNamingTheFile) {
    auto bytes = gguf_test::read_file(dir_.file("b.gguf"));
    bytes[bytes.size() / 2] ^= 1;
    gguf_test::write_file(dir_.file("b.gguf"), bytes);
    auto r = verify();
    ASSERT_EQ(r.findings.size(), 1u) << all_lines(r);
    EXPECT_EQ(r.findings[0].check, Check::output);
    EXPECT_EQ(r.findings[0].error.file, dir_.file("b.gguf"));
    EXPECT_TRUE(mentions(r, "the manifest lists " + outputs_[1].xxh3_128)) << all_lines(r);
}

TEST_F(VerifyOutputs, MissingAndResizedFilesAreReported) {
    std::filesystem::remove(dir_.file("a.gguf"));
    auto bytes = gguf_test::read_file(dir_.file("b.gguf"));
    bytes.push_back(0);
    gguf_test::write_file(dir_.file("b.gguf"), bytes);
    auto r = verify();
    EXPECT_TRUE(mentions(r, dir_.file("a.gguf") + ": listed output is missing")) << all_lines(r);
    EXPECT_TRUE(mentions(r, "is " + std::to_string(outputs_[1].bytes + 1) + " bytes, the manifest lists")) << all_lines(r);
}

}  // namespace
