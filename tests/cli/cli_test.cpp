// The gguf-mtp command where its printed output is not the whole story:
// JSON cross-checked against itself, files byte for byte, what a run leaves
// behind. What it prints is pinned by the golden cases (golden_test.cpp).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "gguf/mtp/mtp.h"
#include "gguf/plan/writer.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/split/model.h"
#include "gguf_fixtures.h"
#include "imatrix_files.h"
#include "test_support.h"

using gguf_test::TempDir;

namespace {

using gguf_test::gguf_mtp;

class Cli : public testing::Test {
protected:
    void SetUp() override {
        gguf_test::write_plan_or_fail(gguf_test::random_plan(3, {.tensors = 7, .keys = 4}), dir_.file("m.gguf"));
    }
    TempDir dir_;
};

TEST_F(Cli, InfoJsonIsStableAndComplete) {
    auto r = gguf_mtp({"info", "--json", dir_.file("m.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["schema"], "gguf-mtp-info/1");
    EXPECT_EQ(doc["architecture"], "test");
    EXPECT_EQ(doc["tensors"].size(), 7u);
    EXPECT_EQ(doc["metadata"].size(), 5u);
    EXPECT_EQ(doc["mtp"]["layout"], "none");
    EXPECT_EQ(doc["tokenizer_hash"].get<std::string>().size(), 16u);
    uint64_t total = 0;
    for (const auto& [type, t] : doc["totals_by_type"].items()) total += t["bytes"].get<uint64_t>();
    EXPECT_EQ(total, doc["tensor_bytes"].get<uint64_t>());
}

TEST_F(Cli, InfoTensorFilterListsOnlyMatches) {
    auto r = gguf_mtp({"info", "--json", "--tensors", "^blk\\.0\\.", dir_.file("m.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    ASSERT_EQ(doc["tensors"].size(), 4u);
    for (const auto& t : doc["tensors"]) EXPECT_EQ(t["name"].get<std::string>().rfind("blk.0.", 0), 0u);
}

TEST_F(Cli, EveryOptionInHelpIsDocumentedInTheManPage) {
    // {command words, man page}: imatrix's four jobs share one page.
    std::vector<std::pair<std::vector<std::string>, std::string>> commands;
    for (const std::string cmd : {"info", "split", "join", "extract", "strip", "merge", "quantize", "verify", "hash", "compare", "batch-model"}) commands.push_back({{cmd}, cmd});
    for (const std::string job : {"info", "convert", "merge", "coverage"}) commands.push_back({{"imatrix", job}, "imatrix"});
    for (const auto& [words, page_name] : commands) {
        const std::string cmd = words.back();
        const auto page_bytes = gguf_test::read_file(std::string(GGUF_MTP_MAN_DIR) + "/gguf-mtp-" + page_name + ".1.scd");
        const std::string page(page_bytes.begin(), page_bytes.end());
        ASSERT_FALSE(page.empty()) << cmd;
        auto args = words;
        args.push_back("--help");
        const std::string full_help = gguf_mtp(args).out;
        const std::string help = full_help.substr(std::min(full_help.find("Options:"), full_help.size()));
        size_t pos = 0;
        int options = 0;
        while ((pos = help.find("--", pos)) != std::string::npos) {
            size_t end = pos + 2;
            while (end < help.size() && (std::isalnum(static_cast<unsigned char>(help[end])) || help[end] == '-')) ++end;
            const std::string option = help.substr(pos, end - pos);
            if (option.size() > 2) {
                ++options;
                EXPECT_NE(page.find("*" + option + "*"), std::string::npos) << option << " of " << cmd;
            }
            pos = end;
        }
        EXPECT_GT(options, 1) << cmd;
    }
}

TEST_F(Cli, SplitThenJoinGivesBackTheSameBytes) {
    auto split = gguf_mtp({"split", "--split-max-tensors", "3", dir_.file("m.gguf"), dir_.file("parts")});
    ASSERT_EQ(split.exit_code, 0) << split.err;
    auto join = gguf_mtp({"join", dir_.file("parts-00002-of-00003.gguf"), dir_.file("joined.gguf")});
    ASSERT_EQ(join.exit_code, 0) << join.err;
    EXPECT_EQ(gguf_test::read_file(dir_.file("joined.gguf")), gguf_test::read_file(dir_.file("m.gguf")));
    EXPECT_EQ(gguf_mtp({"join", "--force", dir_.file("parts-00001-of-00003.gguf"), dir_.file("joined.gguf")}).exit_code, 0);
}

TEST_F(Cli, DryRunPrintsThePlanAndWritesNothing) {
    auto r = gguf_mtp({"split", "--dry-run", "--json", "--split-max-tensors", "2", dir_.file("m.gguf"), dir_.file("p")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["files"].size(), 4u);
    EXPECT_EQ(doc["files"][0]["path"], dir_.file("p-00001-of-00004.gguf"));
    EXPECT_EQ(dir_.listing(), std::vector<std::string>{"m.gguf"});
}

TEST_F(Cli, InfoReadsZstdCompressedModels) {
    ASSERT_EQ(gguf_mtp({"split", "--split-max-tensors", "4", dir_.file("m.gguf"), dir_.file("s")}).exit_code, 0);
    ASSERT_EQ(gguf_mtp({"join", dir_.file("s-00001-of-00002.gguf"), dir_.file("m.gguf.zst")}).exit_code, 0);
    auto plain = gguf_mtp({"info", "--json", dir_.file("m.gguf")});
    auto packed = gguf_mtp({"info", "--json", dir_.file("m.gguf.zst")});
    ASSERT_EQ(packed.exit_code, 0) << packed.err;
    auto a = nlohmann::json::parse(plain.out), b = nlohmann::json::parse(packed.out);
    EXPECT_EQ(a["metadata"], b["metadata"]);
    EXPECT_EQ(a["tensors"], b["tensors"]);
}

}  // namespace

namespace {


class SurgeryCli : public testing::Test {
protected:
    void SetUp() override {
        std::filesystem::copy_file(fixtures::path("glm4moe-bundled.gguf"), dir_.file("GLM-Tiny-Q8_0.gguf"));
        std::filesystem::copy_file(fixtures::path("llama-bundled.gguf"), dir_.file("plain.gguf"));
    }
    TempDir dir_;
};

TEST_F(SurgeryCli, DefaultNamesSitBesideTheInput) {
    ASSERT_EQ(gguf_mtp({"extract", dir_.file("GLM-Tiny-Q8_0.gguf")}).exit_code, 0);
    ASSERT_EQ(gguf_mtp({"strip", dir_.file("GLM-Tiny-Q8_0.gguf")}).exit_code, 0);
    auto merge = gguf_mtp({"merge", dir_.file("GLM-Tiny-Q8_0-no-mtp.gguf"), dir_.file("mtp-GLM-Tiny-Q8_0.gguf")});
    ASSERT_EQ(merge.exit_code, 0) << merge.err;
    EXPECT_EQ(dir_.listing(), (std::vector<std::string>{"GLM-Tiny-Q8_0-no-mtp-with-mtp.gguf", "GLM-Tiny-Q8_0-no-mtp.gguf",
                                                         "GLM-Tiny-Q8_0.gguf", "mtp-GLM-Tiny-Q8_0.gguf", "plain.gguf"}));
    EXPECT_EQ(gguf_test::read_file(dir_.file("GLM-Tiny-Q8_0-no-mtp-with-mtp.gguf")), gguf_test::read_file(dir_.file("GLM-Tiny-Q8_0.gguf")));
}

TEST_F(SurgeryCli, StripAllowNoMtpCopiesAModelWithoutMtpUnchanged) {
    auto copied = gguf_mtp({"strip", "--allow-no-mtp", dir_.file("plain.gguf"), "-o", dir_.file("copy.gguf")});
    ASSERT_EQ(copied.exit_code, 0) << copied.err;
    EXPECT_EQ(gguf_test::read_file(dir_.file("copy.gguf")), gguf_test::read_file(dir_.file("plain.gguf")));
}

TEST_F(SurgeryCli, DryRunListsTheHeadsTensors) {
    auto r = gguf_mtp({"extract", "--dry-run", "--json", dir_.file("GLM-Tiny-Q8_0.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    ASSERT_EQ(doc["files"].size(), 1u);
    EXPECT_EQ(doc["files"][0]["path"], dir_.file("mtp-GLM-Tiny-Q8_0.gguf"));
    bool has_eh_proj = false;
    for (const auto& t : doc["files"][0]["tensors"]) {
        has_eh_proj |= t["name"] == "blk.2.nextn.eh_proj.weight";
        EXPECT_EQ(t["source"], "copy");
        EXPECT_EQ(t["input"], (nlohmann::json{{"file", dir_.file("GLM-Tiny-Q8_0.gguf")}, {"tensor", t["name"]}}));
    }
    EXPECT_TRUE(has_eh_proj);
    EXPECT_EQ(dir_.listing(), (std::vector<std::string>{"GLM-Tiny-Q8_0.gguf", "plain.gguf"}));
}

TEST_F(SurgeryCli, InfoRecognisesEachLayout) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"glm4moe-bundled.gguf", "bundled"}, {"glm4moe-mtp.gguf", "mtp-only"}, {"glm4moe-trunk.gguf", "none"}};
    for (const auto& [file, layout] : cases) {
        auto r = gguf_mtp({"info", "--json", fixtures::path(file)});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(nlohmann::json::parse(r.out)["mtp"]["layout"], layout) << file;
    }
}

}  // namespace

namespace {

// IQ1_M is where the releases' bytes differ (the oracle tests hold each to
// its llama.cpp); on this fixture they do, so --compat must reach the kernels.
TEST(CompatCli, QuantizeWritesTheChosenReleasesIq1mBytes) {
    TempDir dir;
    const std::string in = fixtures::path("glm4moe-wide-bundled.gguf");
    for (const std::string release : {"default", "v0.5.0", "v0.4.0"}) {
        std::vector<std::string> args = {"quantize", "--pure", "--imatrix-missing", "uniform", in, dir.file(release + ".gguf"), "IQ1_M", "2"};
        if (release != "default") args.insert(args.begin() + 1, {"--compat", release});
        ASSERT_EQ(gguf_mtp(args).exit_code, 0) << release;
    }
    EXPECT_EQ(gguf_test::read_file(dir.file("default.gguf")), gguf_test::read_file(dir.file("v0.5.0.gguf")));
    EXPECT_NE(gguf_test::read_file(dir.file("default.gguf")), gguf_test::read_file(dir.file("v0.4.0.gguf")));
}

// A plan does not depend on the device: --dry-run opens none, so it works
// for a device this machine lacks (no machine has Vulkan device 99).
// Writing needs the device; it opens while the CPU quantizes, and its
// failure is its own error (whichever: no such device, no Vulkan loader, a
// build without Vulkan), not a tensor's, and leaves nothing behind.
TEST(QuantizeCli, DryRunOpensNoDevice) {
    TempDir dir;
    auto r = gguf_mtp({"quantize", "--dry-run", "--device", "vulkan:99", fixtures::path("llama-bundled.gguf"), dir.file("o.gguf"), "Q8_0"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(dir.listing(), std::vector<std::string>{});
    for (const bool verbose : {false, true}) {
        std::vector<std::string> args{"quantize", "--device", "vulkan:99", fixtures::path("llama-bundled.gguf"), dir.file("o.gguf"), "Q8_0"};
        if (verbose) args.push_back("--verbose");
        r = gguf_mtp(args);
        EXPECT_EQ(r.exit_code, 1) << r.err;
        EXPECT_TRUE(r.err.starts_with("gguf-mtp: error: ") && r.err.find("Vulkan") != std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("tensor '"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
        EXPECT_EQ(dir.listing(), std::vector<std::string>{}) << verbose;
    }
}

TEST(QuantizeCli, Iq2xxsWithAFallbackPolicyNamesEachTensorItReplaces) {
    TempDir dir;
    const std::string in = fixtures::path("glm4moe-wide-bundled.gguf");
    auto done = gguf_mtp({"quantize", "--imatrix-missing", "fallback:q4_0", "--json", in, dir.file("o.gguf"), "IQ2_XXS"});
    ASSERT_EQ(done.exit_code, 0) << done.err;
    const auto doc = nlohmann::json::parse(done.out);
    size_t replaced = 0;
    for (const auto& t : doc["tensors"]) {
        if (t["importance"] != "fallback") continue;
        ++replaced;
        EXPECT_EQ(t["to"], "Q4_0") << t.dump();
        EXPECT_NE(done.err.find(t["name"].get<std::string>()), std::string::npos) << "the summary names " << t["name"];
    }
    EXPECT_GT(replaced, 0u);
}

TEST(QuantizeCli, BundledWithMarksTypesThatDifferFromTheTrunkAlone) {
    auto r = gguf_mtp({"quantize", "--dry-run", "--json", "--bundled-with", fixtures::path("glm4moe-wide-mtp.gguf"),
                       fixtures::path("glm4moe-wide-trunk.gguf"), "/nonexistent/o.gguf", "Q4_K_M"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    size_t differing = 0;
    for (const auto& t : doc["tensors"]) differing += t.contains("alone");
    EXPECT_GT(differing, 0u);
}

TEST(QuantizeCli, NonFiniteWeightsNeedAllowNonFinite) {
    TempDir dir;
    const std::string in = dir.file("nan.gguf");
    std::filesystem::copy_file(fixtures::path("llama-bundled.gguf"), in);
    uint64_t offset = 0;
    std::vector<uint8_t> nan;
    {
        auto model = gguf::Model::open(in);
        ASSERT_TRUE(model) << model.error().to_string();
        const auto ref = model->find("blk.0.ffn_down.weight");
        ASSERT_TRUE(ref);
        const auto& info = model->info(*ref);
        offset = model->shard(ref->shard).tensor_file_offset(ref->index);
        if (info.type == gguf::TensorType::F32) nan = {0x00, 0x00, 0xC0, 0x7F};
        else if (info.type == gguf::TensorType::F16) nan = {0x00, 0x7E};
        else GTEST_SKIP() << "the fixture's weights are no longer F32 or F16";
    }
    std::fstream file(in, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offset));
    file.write(reinterpret_cast<const char*>(nan.data()), static_cast<std::streamsize>(nan.size()));
    file.close();

    auto refused = gguf_mtp({"quantize", "--pure", in, dir.file("o.gguf"), "Q8_0"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.err, "gguf-mtp: error: " + dir.file("o.gguf") +
                               ": tensor 'blk.0.ffn_down.weight': row 0 holds NaN: quantizing it would write garbage"
                               " (--allow-non-finite to do it anyway)\n");
    EXPECT_EQ(dir.listing(), std::vector<std::string>{"nan.gguf"});
    EXPECT_EQ(gguf_mtp({"quantize", "--pure", "--allow-non-finite", in, dir.file("o.gguf"), "Q8_0"}).exit_code, 0);
}

TEST(QuantizeCli, DryRunJsonListsFilesAndTensors) {
    auto r = gguf_mtp({"quantize", "--pure", "--dry-run", "--json", fixtures::path("llama-bundled.gguf"), "/nonexistent/o.gguf", "BF16"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["schema"], "gguf-mtp-quantize/1");
    EXPECT_EQ(doc["files"][0]["path"], "/nonexistent/o.gguf");
    size_t converted = 0;
    for (const auto& t : doc["tensors"]) converted += t["from"] != t["to"];
    EXPECT_GT(converted, 0u);
    // The plan in the form every --dry-run --json prints: each converted
    // tensor a transform of its input tensor, the rest copies.
    const auto& plan = doc["plan"];
    EXPECT_EQ(plan["schema"], "gguf-mtp-plan/1");
    ASSERT_EQ(plan["files"].size(), 1u);
    EXPECT_EQ(plan["files"][0]["path"], "/nonexistent/o.gguf");
    ASSERT_EQ(plan["files"][0]["tensors"].size(), doc["tensors"].size());
    size_t transforms = 0;
    for (const auto& t : plan["files"][0]["tensors"]) {
        EXPECT_EQ(t["input"]["file"], fixtures::path("llama-bundled.gguf"));
        if (t["source"] == "transform") {
            ++transforms;
            EXPECT_EQ(t["type"], "BF16");
            EXPECT_NE(t["from"], "BF16");
            EXPECT_EQ(t["importance_matrices"], 0);
        } else {
            EXPECT_EQ(t["source"], "copy") << t.dump();
        }
    }
    EXPECT_EQ(transforms, converted);
}

}  // namespace

namespace {

// An imatrix for `model_file` as llama-imatrix collects it: every
// quantizable tensor outside the MTP blocks (block number below n_layer).
void write_trunk_imatrix(const std::string& model_file, int64_t n_layer, const std::string& path) {
    auto model = gguf::Model::open(fixtures::path(model_file));
    ASSERT_TRUE(model) << model.error().to_string();
    gguf_test::write_plan_or_fail(imatrix_test::trunk_imatrix_plan(*model, n_layer), path);
}

TEST(ImatrixCli, InfoJsonDescribesEveryEntry) {
    TempDir dir;
    write_trunk_imatrix("glm4moe-bundled.gguf", 2, dir.file("im.gguf"));
    auto r = gguf_mtp({"imatrix", "info", "--json", dir.file("im.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["schema"], "gguf-mtp-imatrix-info/1");
    EXPECT_EQ(doc["format"], "gguf");
    EXPECT_EQ(doc["datasets"], nlohmann::json::array({"calib.txt"}));
    EXPECT_EQ(doc["chunk_count"], 4);
    EXPECT_EQ(doc["chunk_size"], 512);
    ASSERT_GT(doc["entries"].size(), 2u);
    bool saw_experts = false;
    for (const auto& e : doc["entries"]) {
        EXPECT_EQ(e["counts"].size(), e["matrices"].get<size_t>());
        if (e["matrices"].get<size_t>() > 1) {
            saw_experts = true;
            EXPECT_EQ(e["zero_count_matrices"], nlohmann::json::array({1}));
        }
    }
    EXPECT_TRUE(saw_experts);
    auto text = gguf_mtp({"imatrix", "info", dir.file("im.gguf")});
    ASSERT_EQ(text.exit_code, 0);
    EXPECT_NE(text.out.find("datasets:  calib.txt"), std::string::npos) << text.out;
}

// The test users care about: quantizing with a converted imatrix (under the
// original's name, which the output records) gives the same file.
TEST(ImatrixCli, QuantizeWithTheConvertedImatrixGivesTheSameBytes) {
    TempDir dir;
    write_trunk_imatrix("glm4moe-bundled.gguf", 2, dir.file("im.gguf"));
    auto quantize = [&](const std::string& out) {
        auto r = gguf_mtp({"quantize", "--pure", "--imatrix", dir.file("imatrix"), fixtures::path("glm4moe-bundled.gguf"), out, "Q4_K_M", "2"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    };
    std::filesystem::copy_file(dir.file("im.gguf"), dir.file("imatrix"));
    quantize(dir.file("with-gguf.gguf"));
    auto to_dat = gguf_mtp({"imatrix", "convert", dir.file("im.gguf"), "-o", dir.file("im.dat")});
    ASSERT_EQ(to_dat.exit_code, 0) << to_dat.err;
    EXPECT_NE(to_dat.err.find("per-expert counts"), std::string::npos) << "the loss is said";
    std::filesystem::copy_file(dir.file("im.dat"), dir.file("imatrix"), std::filesystem::copy_options::overwrite_existing);
    quantize(dir.file("with-dat.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("with-dat.gguf")), gguf_test::read_file(dir.file("with-gguf.gguf")));

    auto back = gguf_mtp({"imatrix", "convert", dir.file("im.dat"), "-o", dir.file("back.gguf")});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    std::filesystem::copy_file(dir.file("back.gguf"), dir.file("imatrix"), std::filesystem::copy_options::overwrite_existing);
    quantize(dir.file("with-back.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("with-back.gguf")), gguf_test::read_file(dir.file("with-gguf.gguf")));

    auto again = gguf_mtp({"imatrix", "convert", dir.file("im.gguf"), "-o", dir.file("im.dat")});
    EXPECT_EQ(again.exit_code, 2) << "existing output needs --force";
    EXPECT_NE(again.err.find("--force"), std::string::npos);
    auto over_input = gguf_mtp({"imatrix", "convert", "--force", "--output-format", "dat", dir.file("im.gguf"), "-o", dir.file("im.gguf")});
    EXPECT_EQ(over_input.exit_code, 2);
    EXPECT_NE(over_input.err.find("input"), std::string::npos) << over_input.err;
}

TEST(ImatrixCli, MergeAddsCountsAndConcatenatesDatasets) {
    TempDir dir;
    write_trunk_imatrix("llama-bundled.gguf", 2, dir.file("a.gguf"));
    auto r = gguf_mtp({"imatrix", "merge", dir.file("a.gguf"), dir.file("a.gguf"), "-o", dir.file("m.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto one = nlohmann::json::parse(gguf_mtp({"imatrix", "info", "--json", dir.file("a.gguf")}).out);
    const auto two = nlohmann::json::parse(gguf_mtp({"imatrix", "info", "--json", dir.file("m.gguf")}).out);
    EXPECT_EQ(two["datasets"], nlohmann::json::array({"calib.txt", "calib.txt"}));
    ASSERT_EQ(two["entries"].size(), one["entries"].size());
    for (size_t i = 0; i < one["entries"].size(); ++i) {
        for (size_t j = 0; j < one["entries"][i]["counts"].size(); ++j) {
            EXPECT_EQ(two["entries"][i]["counts"][j].get<int64_t>(), 2 * one["entries"][i]["counts"][j].get<int64_t>());
        }
    }
    EXPECT_EQ(gguf_mtp({"imatrix", "merge", "--chunk-size", "0", dir.file("a.gguf"), "-o", dir.file("x.gguf")}).exit_code, 2);
    gguf_test::write_plan_or_fail(imatrix_test::gguf_imatrix_plan({{"zzz.weight", 1, {1}, {1}}}, {}, 1, 256), dir.file("c256.gguf"));
    auto mixed = gguf_mtp({"imatrix", "merge", dir.file("a.gguf"), dir.file("c256.gguf"), "-o", dir.file("x.gguf")});
    EXPECT_EQ(mixed.exit_code, 2);
    EXPECT_NE(mixed.err.find("--chunk-size"), std::string::npos) << mixed.err;
    EXPECT_EQ(gguf_mtp({"imatrix", "merge", "--chunk-size", "512", dir.file("a.gguf"), dir.file("c256.gguf"), "-o", dir.file("x.gguf")})
                  .exit_code,
              0);
}

TEST(ImatrixCli, CoverageFlagsMtpTensorsAndFailsOnlyWhenAsked) {
    TempDir dir;
    // ik_llama.cpp's types change nothing about which tensors are covered.
    for (const std::string model : {"glm4moe-ik-bundled.gguf", "glm4moe-bundled.gguf"}) {
        SCOPED_TRACE(model);
        write_trunk_imatrix(model, 2, dir.file("im.gguf"));
        auto r = gguf_mtp({"imatrix", "coverage", "--json", fixtures::path(model), dir.file("im.gguf")});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        const auto doc = nlohmann::json::parse(r.out);
        EXPECT_EQ(doc["schema"], "gguf-mtp-imatrix-coverage/1");
        EXPECT_GT(doc["missing"].get<int>(), 0);
        EXPECT_EQ(doc["missing"].get<int>(), doc["mtp_quantizable"].get<int>());
        bool saw_eh_proj = false;
        for (const auto& f : doc["findings"]) {
            if (f["problem"] == "missing") {
                EXPECT_TRUE(f["mtp"].get<bool>()) << f["tensor"];
            }
            saw_eh_proj |= f["tensor"] == "blk.2.nextn.eh_proj.weight";
        }
        EXPECT_TRUE(saw_eh_proj);
    }
    auto text = gguf_mtp({"imatrix", "coverage", fixtures::path("glm4moe-bundled.gguf"), dir.file("im.gguf")});
    EXPECT_NE(text.out.find("[mtp]"), std::string::npos) << text.out;
    EXPECT_EQ(gguf_mtp({"imatrix", "coverage", "--fail-on-missing", fixtures::path("glm4moe-bundled.gguf"), dir.file("im.gguf")}).exit_code, 1);
    EXPECT_EQ(gguf_mtp({"imatrix", "coverage", "--fail-on-missing", fixtures::path("glm4moe-trunk.gguf"), dir.file("im.gguf")}).exit_code, 0);
}

TEST(ImatrixCli, BrokenImatrixGivesOneLineErrorNamingTheEntry) {
    TempDir dir;
    gguf_test::write_file(dir.file("bad.dat"), imatrix_test::legacy_bytes({{"blk.0.attn_q.weight", -1, {1}}}, 1, "d"));
    for (const std::vector<std::string>& args : {std::vector<std::string>{"imatrix", "info", dir.file("bad.dat")},
                                                 {"imatrix", "convert", dir.file("bad.dat"), "-o", dir.file("o.gguf")},
                                                 {"imatrix", "coverage", fixtures::path("llama-bundled.gguf"), dir.file("bad.dat")}}) {
        auto r = gguf_mtp(args);
        EXPECT_EQ(r.exit_code, 1) << args[1];
        EXPECT_NE(r.err.find("'blk.0.attn_q.weight'"), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    EXPECT_EQ(dir.listing(), std::vector<std::string>{"bad.dat"});
}

}  // namespace

namespace {

// ik_llama.cpp's files: info and verify say which runtime loads a file and
// name ik's types with their ik id; merging an ik head into a llama.cpp
// trunk writes a file only ik loads, and says so.
TEST(CliIk, InfoAndVerifySayWhichRuntimeLoadsAFile) {
    auto ik = gguf_test::gguf_mtp({"info", fixtures::path("glm4moe-ik-bundled.gguf")});
    ASSERT_EQ(ik.exit_code, 0) << ik.err;
    EXPECT_NE(ik.out.find("runtimes:      ik_llama.cpp (type ids read as ik_llama.cpp's)"), std::string::npos) << ik.out;
    EXPECT_NE(ik.out.find("IQ4_KS (ik_llama.cpp id 144)"), std::string::npos) << ik.out;
    auto both = gguf_test::gguf_mtp({"info", "--json", fixtures::path("glm4moe-bundled.gguf")});
    ASSERT_EQ(both.exit_code, 0) << both.err;
    EXPECT_EQ(nlohmann::json::parse(both.out)["runtimes"], "llama.cpp and ik_llama.cpp");
    auto verify = gguf_test::gguf_mtp({"verify", fixtures::path("qwen35moe-ik-bundled.gguf")});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_NE(verify.out.find("qwen35moe-ik-bundled.gguf: for ik_llama.cpp\n"), std::string::npos) << verify.out;
}

TEST(CliIk, DialectOptionReadsSharedIdsAsToldAndRefusesAContradictingFile) {
    const std::string ik_file = fixtures::path("glm4moe-ik-bundled.gguf");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"info", "--dialect", "mainline", ik_file}, {"verify", "--dialect", "mainline", ik_file},
          {"hash", ik_file, "--dialect", "mainline"}}) {
        SCOPED_TRACE(args[0]);
        auto r = gguf_test::gguf_mtp(args);
        if (args[0] == "hash") {  // hash reads bytes, not type ids: it has no such option
            EXPECT_EQ(r.exit_code, 2) << r.err;
            continue;
        }
        EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
        const std::string& message = args[0] == "verify" ? r.out : r.err;
        EXPECT_NE(message.find(ik_file + ": tensor '"), std::string::npos) << message;
        EXPECT_NE(message.find("the file contradicts --dialect mainline"), std::string::npos) << message;
    }
    auto as_ik = gguf_test::gguf_mtp({"info", "--dialect", "ik", fixtures::path("glm4moe-bundled.gguf")});
    ASSERT_EQ(as_ik.exit_code, 0) << as_ik.err;
    EXPECT_NE(as_ik.out.find("(type ids read as ik_llama.cpp's)"), std::string::npos) << as_ik.out;
    auto as_auto = gguf_test::gguf_mtp({"info", "--dialect", "auto", ik_file});
    ASSERT_EQ(as_auto.exit_code, 0) << as_auto.err;
    EXPECT_NE(as_auto.out.find("(type ids read as ik_llama.cpp's)"), std::string::npos) << as_auto.out;
    EXPECT_EQ(gguf_test::gguf_mtp({"info", "--dialect", "ik_llama", ik_file}).exit_code, 2);
}

// Every command that reads type ids takes --dialect: told ik, it reads an ik
// file; told mainline, it refuses the same file in one line and writes nothing.
TEST(CliIk, EveryReadingCommandTakesTheDialectAndRefusesAContradictingFile) {
    const std::string bundled = fixtures::path("glm4moe-ik-bundled.gguf");
    TempDir dir;
    const std::string shards = dir.file("set");
    ASSERT_EQ(gguf_test::gguf_mtp({"split", "--dialect", "ik", "--split-max-tensors", "40", bundled, shards}).exit_code, 0);
    const std::string first_shard = shards + "-00001-of-00002.gguf";
    ASSERT_TRUE(std::filesystem::exists(first_shard));
    const std::vector<std::vector<std::string>> commands = {
        {"strip", bundled, "-o", "OUT/trunk.gguf"},
        {"extract", bundled, "-o", "OUT/head.gguf"},
        {"merge", fixtures::path("glm4moe-ik-trunk.gguf"), fixtures::path("glm4moe-ik-mtp.gguf"), "-o", "OUT/merged.gguf"},
        {"split", "--split-max-tensors", "40", bundled, "OUT/part"},
        {"join", first_shard, "OUT/joined.gguf"},
        {"quantize", bundled, "OUT/q.gguf", "COPY"},
        {"compare", bundled, bundled},
    };
    for (const auto& command : commands) {
        for (const std::string dialect : {"ik", "mainline"}) {
            SCOPED_TRACE(command[0] + " --dialect " + dialect);
            TempDir out;
            std::vector<std::string> args = {command[0], "--dialect", dialect};
            for (size_t i = 1; i < command.size(); ++i) {
                std::string arg = command[i];
                if (arg.starts_with("OUT/")) arg = out.file(arg.substr(4));
                args.push_back(arg);
            }
            auto r = gguf_test::gguf_mtp(args);
            if (dialect == "ik") {
                EXPECT_EQ(r.exit_code, 0) << r.err;
                // The fixture's I2_S rows (32 values) cut its blocks: compare
                // lists the tensor as unreadable and measures the rest.
                if (command[0] == "compare") {
                    EXPECT_NE(r.out.find("cut its 128-value blocks"), std::string::npos) << r.out;
                }
                continue;
            }
            EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
            EXPECT_NE(r.err.find("the file contradicts --dialect mainline"), std::string::npos) << r.err;
            EXPECT_TRUE(out.listing().empty()) << r.err;
        }
    }
}

TEST(CliIk, InfoNamesTheFileTypeAsTheFilesDialectDoes) {
    auto ik = gguf_test::gguf_mtp({"info", fixtures::path("glm4moe-ik-bundled.gguf")});
    ASSERT_EQ(ik.exit_code, 0) << ik.err;
    EXPECT_NE(ik.out.find("\nfile type:     IQ4_KS (ik_llama.cpp file type 145)\n"), std::string::npos) << ik.out;
    auto json = gguf_test::gguf_mtp({"info", "--json", fixtures::path("glm4moe-ik-bundled.gguf")});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    const auto doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc["file_type"]["value"], 145);
    EXPECT_EQ(doc["file_type"]["name"], "IQ4_KS (ik_llama.cpp file type 145)");
    auto mainline = gguf_test::gguf_mtp({"info", "--json", fixtures::path("deepseek4-bundled.gguf")});
    ASSERT_EQ(mainline.exit_code, 0) << mainline.err;
    EXPECT_EQ(nlohmann::json::parse(mainline.out)["file_type"]["name"], "MXFP4_MOE");
}

TEST(CliIk, InfoAlignsItsColumnsWhateverTheTypeNamesLength) {
    auto r = gguf_test::gguf_mtp({"info", fixtures::path("qwen35moe-ik-bundled.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line) && line.rfind("tensors (", 0) != 0) {
    }
    std::getline(lines, line);
    const size_t shape_at = line.find("shape");
    ASSERT_NE(shape_at, std::string::npos) << line;
    size_t rows = 0;
    bool saw_long_name = false;
    while (std::getline(lines, line) && !line.empty()) {
        ++rows;
        saw_long_name |= line.find("IQ4_NL_R4") != std::string::npos;
        ASSERT_GT(line.size(), shape_at) << line;
        EXPECT_EQ(line[shape_at - 1], ' ') << line;
        EXPECT_NE(line[shape_at], ' ') << line;
    }
    EXPECT_EQ(rows, 97u);
    EXPECT_TRUE(saw_long_name);  // a 9-letter name, past mainline's 8 columns
    std::getline(lines, line);
    ASSERT_EQ(line, "totals by type:");
    size_t count_at = std::string::npos;
    while (std::getline(lines, line) && !line.empty()) {
        const size_t at = line.find(" tensors");
        if (count_at == std::string::npos) count_at = at;
        EXPECT_EQ(at, count_at) << line;
    }
}

TEST(CliIk, InfoAndVerifySayWhatIkDoesWithTheNextnLayers) {
    struct Case {
        std::string model;
        bool reads, loads_head;
    };
    for (const Case& c : {Case{"qwen35moe-ik-bundled.gguf", true, false}, Case{"step35-bundled.gguf", true, true},
                          Case{"deepseek2-bundled.gguf", false, false}}) {
        SCOPED_TRACE(c.model);
        const std::string words = std::string(c.reads ? "reads the NextN layers" : "does not read the NextN layers") +
                                  "; loads a separate head file: " + (c.loads_head ? "yes" : "no");
        auto text = gguf_test::gguf_mtp({"info", fixtures::path(c.model)});
        ASSERT_EQ(text.exit_code, 0) << text.err;
        EXPECT_NE(text.out.find("\nik_llama.cpp:  " + words + "\n"), std::string::npos) << text.out;
        auto json = gguf_test::gguf_mtp({"info", "--json", fixtures::path(c.model)});
        ASSERT_EQ(json.exit_code, 0) << json.err;
        const auto ik = nlohmann::json::parse(json.out)["mtp"]["ik_llama"];
        EXPECT_EQ(ik["reads_nextn"], c.reads);
        EXPECT_EQ(ik["loads_head_file"], c.loads_head);
        auto verify = gguf_test::gguf_mtp({"verify", fixtures::path(c.model)});
        EXPECT_NE(verify.out.find(fixtures::path(c.model) + ": ik_llama.cpp " + words + "\n"), std::string::npos) << verify.out;
        auto verify_json = gguf_test::gguf_mtp({"verify", "--json", fixtures::path(c.model)});
        const auto runtimes = nlohmann::json::parse(verify_json.out)["runtimes"];
        ASSERT_EQ(runtimes.size(), 1u);
        EXPECT_EQ(runtimes[0]["ik_llama_mtp"]["reads_nextn"], c.reads);
        EXPECT_EQ(runtimes[0]["ik_llama_mtp"]["loads_head_file"], c.loads_head);
    }
    // A trunk has no NextN layers: nothing to say about them.
    auto trunk = gguf_test::gguf_mtp({"info", "--json", fixtures::path("qwen35moe-ik-trunk.gguf")});
    ASSERT_EQ(trunk.exit_code, 0) << trunk.err;
    EXPECT_TRUE(nlohmann::json::parse(trunk.out)["mtp"]["ik_llama"].is_null());
    gguf_test::TempDir dir;
    auto extract = gguf_test::gguf_mtp({"extract", fixtures::path("qwen35moe-ik-bundled.gguf"), "-o", dir.file("h.gguf")});
    ASSERT_EQ(extract.exit_code, 0) << extract.err;
    EXPECT_NE(extract.err.find("note: ik_llama.cpp loads no separate qwen35moe head file"), std::string::npos) << extract.err;
    auto step35 = gguf_test::gguf_mtp({"extract", fixtures::path("step35-bundled.gguf"), "-o", dir.file("s.gguf")});
    ASSERT_EQ(step35.exit_code, 0) << step35.err;
    EXPECT_EQ(step35.err.find("ik_llama.cpp"), std::string::npos) << step35.err;
}

TEST(CliIk, IkHeadMergedIntoALlamaCppTrunkIsWrittenWithAWarning) {
    gguf_test::TempDir dir;
    auto r = gguf_test::gguf_mtp({"merge", "-o", dir.file("m.gguf"), fixtures::path("qwen35moe-trunk.gguf"),
                                  fixtures::path("qwen35moe-ik-mtp.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("warning: the merged model loads only in ik_llama.cpp"), std::string::npos) << r.err;
    EXPECT_TRUE(std::filesystem::exists(dir.file("m.gguf")));
}

TEST(CliIk, SplitJoinAndHashKeepIkFilesByteForByte) {
    gguf_test::TempDir dir;
    const std::string input = fixtures::path("qwen35moe-ik-bundled.gguf");
    auto split = gguf_test::gguf_mtp({"split", "--split-max-tensors", "20", input, dir.file("s")});
    ASSERT_EQ(split.exit_code, 0) << split.err;
    auto join = gguf_test::gguf_mtp({"join", dir.file("s-00001-of-00005.gguf"), dir.file("j.gguf")});
    ASSERT_EQ(join.exit_code, 0) << join.err;
    EXPECT_EQ(gguf_test::read_file(dir.file("j.gguf")), gguf_test::read_file(input));
    auto hash = gguf_test::gguf_mtp({"hash", input, dir.file("j.gguf")});
    ASSERT_EQ(hash.exit_code, 0) << hash.err;
    EXPECT_EQ(hash.out.substr(0, 32), hash.out.substr(hash.out.find('\n') + 1, 32));
}

}  // namespace

namespace {

// quantize on ik_llama.cpp's files: their types are copied where the rules
// keep a tensor, read into floats where gguf-mtp has ik's dequantizer, and
// never written by quantizing.
std::vector<uint8_t> tensor_bytes_of(const gguf::Model& m, const std::string& name) {
    const auto data = m.data(*m.find(name));
    return {data.begin(), data.end()};
}

TEST(CliIk, QuantizeCopyKeepsEveryIkTensorAsItIs) {
    TempDir dir;
    const std::string input = fixtures::path("glm4moe-ik-bundled.gguf");
    auto r = gguf_mtp({"quantize", input, dir.file("c.gguf"), "COPY"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto in = gguf_test::open_or_die(input), out = gguf_test::open_or_die(dir.file("c.gguf"));
    EXPECT_EQ(out.shard(0).header().dialect, gguf::Dialect::ik_llama);
    ASSERT_EQ(out.tensors().size(), in.tensors().size());
    for (auto ref : in.tensors()) {
        const auto& name = in.info(ref).name;
        EXPECT_EQ(out.info(*out.find(name)).type, in.info(ref).type) << name;
        EXPECT_EQ(tensor_bytes_of(out, name), tensor_bytes_of(in, name)) << name;
    }
}

TEST(CliIk, RequantizingAnInterleavedIkTensorReadsItWithIksDequantizer) {
    TempDir dir;
    const std::string input = fixtures::path("glm4moe-ik-bundled.gguf");
    const auto in = gguf_test::open_or_die(input);
    const std::string target = "blk.0.ffn_down.weight";
    ASSERT_EQ(in.info(*in.find(target)).type, gguf::TensorType::IQ4_NL_R4);
    // Every other tensor named with its own type: the rules keep it.
    std::vector<std::string> args = {"quantize", "--allow-requantize", "--allow-non-finite"};
    for (auto ref : in.tensors()) {
        const auto& t = in.info(ref);
        if (t.name == target || t.n_dims < 2) continue;
        args.push_back("--tensor-type");
        args.push_back("^" + t.name + "$=" + std::string(gguf::type_display_name(t.type)));
    }
    args.insert(args.end(), {input, dir.file("q.gguf"), "Q8_0"});
    auto r = gguf_mtp(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto out = gguf_test::open_or_die(dir.file("q.gguf"));
    for (auto ref : in.tensors()) {
        const auto& name = in.info(ref).name;
        if (name == target) continue;
        EXPECT_EQ(tensor_bytes_of(out, name), tensor_bytes_of(in, name)) << name;
    }
    const auto& info = in.info(*in.find(target));
    std::vector<float> floats(info.n_elements());
    ASSERT_TRUE(gguf::dequantize_rows(info.type, tensor_bytes_of(in, target), info.ne[0], floats));
    std::vector<uint8_t> expected(*gguf::tensor_bytes(gguf::TensorType::Q8_0, info.ne));
    ASSERT_TRUE(gguf::quantize_rows(gguf::TensorType::Q8_0, floats, info.ne[0], {}, expected));
    EXPECT_EQ(out.info(*out.find(target)).type, gguf::TensorType::Q8_0);
    EXPECT_EQ(tensor_bytes_of(out, target), expected);
}

TEST(CliIk, QuantizingIntoIkTypesIsAOneLineError) {
    TempDir dir;
    const std::string input = fixtures::path("glm4moe-ik-bundled.gguf");
    auto into = gguf_mtp({"quantize", "--allow-requantize", "--tensor-type", "ffn=IQ4_KS", input, dir.file("q.gguf"), "Q8_0"});
    EXPECT_NE(into.exit_code, 0);
    EXPECT_NE(into.err.find("quantizing into ik_llama.cpp types (IQ4_KS (ik_llama.cpp id 144)) is out of scope\n"), std::string::npos)
        << into.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("q.gguf")));
}

}  // namespace
