// The gguf-mtp command as users meet it: exit codes, one-line errors,
// JSON that parses, and outputs that match the library's.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "gguf/writer.h"
#include "gguf_fixtures.h"
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

TEST_F(Cli, InfoPrintsKeysTensorsAndTotals) {
    auto r = gguf_mtp({"info", dir_.file("m.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("architecture:  test"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tensors (7):"), std::string::npos);
    EXPECT_NE(r.out.find("totals by type:"), std::string::npos);
    EXPECT_NE(r.out.find("mtp:           none"), std::string::npos);
}

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
    EXPECT_EQ(gguf_mtp({"info", "--tensors", "(", dir_.file("m.gguf")}).exit_code, 2);
}

TEST_F(Cli, BrokenInputGivesOneLineErrorAndExitOne) {
    auto bytes = gguf_test::read_file(dir_.file("m.gguf"));
    bytes.resize(bytes.size() / 2);
    gguf_test::write_file(dir_.file("broken.gguf"), bytes);
    auto r = gguf_mtp({"info", dir_.file("broken.gguf")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err.rfind("gguf-mtp: error: " + dir_.file("broken.gguf") + ": ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(gguf_mtp({}).exit_code, 2);
    EXPECT_EQ(gguf_mtp({"info"}).exit_code, 2);
    EXPECT_EQ(gguf_mtp({"nonsense"}).exit_code, 2);
    EXPECT_EQ(gguf_mtp({"split", "--split-max-size", "lots", dir_.file("m.gguf"), dir_.file("p")}).exit_code, 2);
}

TEST_F(Cli, EveryCommandExplainsItselfWithHelp) {
    for (const char* cmd : {"info", "split", "join", "extract", "strip", "merge", "quantize", "verify", "hash"}) {
        auto r = gguf_mtp({cmd, "--help"});
        EXPECT_EQ(r.exit_code, 0) << cmd;
        if (std::string(cmd) != "info" && std::string(cmd) != "verify" && std::string(cmd) != "hash") {
            EXPECT_NE(r.out.find("--dry-run"), std::string::npos) << cmd;
        }
        EXPECT_GT(r.out.size(), 100u) << cmd;
    }
    EXPECT_EQ(gguf_mtp({"--version"}).exit_code, 0);
}

TEST_F(Cli, EveryOptionInHelpIsDocumentedInTheManPage) {
    for (const std::string cmd : {"info", "split", "join", "extract", "strip", "merge", "quantize", "verify", "hash"}) {
        const auto page_bytes = gguf_test::read_file(std::string(GGUF_MTP_MAN_DIR) + "/gguf-mtp-" + cmd + ".1.scd");
        const std::string page(page_bytes.begin(), page_bytes.end());
        ASSERT_FALSE(page.empty()) << cmd;
        const std::string full_help = gguf_mtp({cmd, "--help"}).out;
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
    EXPECT_NE(split.err.find("split: 7 tensors"), std::string::npos) << split.err;
    auto join = gguf_mtp({"join", dir_.file("parts-00002-of-00003.gguf"), dir_.file("joined.gguf")});
    ASSERT_EQ(join.exit_code, 0) << join.err;
    EXPECT_EQ(gguf_test::read_file(dir_.file("joined.gguf")), gguf_test::read_file(dir_.file("m.gguf")));

    auto again = gguf_mtp({"join", dir_.file("parts-00001-of-00003.gguf"), dir_.file("joined.gguf")});
    EXPECT_EQ(again.exit_code, 2) << "existing output needs --force";
    EXPECT_NE(again.err.find("--force"), std::string::npos);
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

TEST_F(Cli, JoinOfASingleFileIsRefused) {
    auto r = gguf_mtp({"join", dir_.file("m.gguf"), dir_.file("out.gguf")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("not a split set"), std::string::npos);
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

std::string fixture(const std::string& name) { return std::string(fixtures::kFixturesDir) + "/" + name; }

class SurgeryCli : public testing::Test {
protected:
    void SetUp() override {
        std::filesystem::copy_file(fixture("glm4moe-bundled.gguf"), dir_.file("GLM-Tiny-Q8_0.gguf"));
        std::filesystem::copy_file(fixture("llama-bundled.gguf"), dir_.file("plain.gguf"));
    }
    TempDir dir_;
};

TEST_F(SurgeryCli, DefaultNamesSitBesideTheInput) {
    ASSERT_EQ(gguf_mtp({"extract", dir_.file("GLM-Tiny-Q8_0.gguf")}).exit_code, 0);
    ASSERT_EQ(gguf_mtp({"strip", dir_.file("GLM-Tiny-Q8_0.gguf")}).exit_code, 0);
    auto merge = gguf_mtp({"merge", dir_.file("GLM-Tiny-Q8_0-no-mtp.gguf"), dir_.file("mtp-GLM-Tiny-Q8_0.gguf")});
    ASSERT_EQ(merge.exit_code, 0) << merge.err;
    EXPECT_NE(merge.err.find("merge: "), std::string::npos) << "one-line summary";
    EXPECT_EQ(dir_.listing(), (std::vector<std::string>{"GLM-Tiny-Q8_0-no-mtp-with-mtp.gguf", "GLM-Tiny-Q8_0-no-mtp.gguf",
                                                         "GLM-Tiny-Q8_0.gguf", "mtp-GLM-Tiny-Q8_0.gguf", "plain.gguf"}));
    EXPECT_EQ(gguf_test::read_file(dir_.file("GLM-Tiny-Q8_0-no-mtp-with-mtp.gguf")), gguf_test::read_file(dir_.file("GLM-Tiny-Q8_0.gguf")));
}

TEST_F(SurgeryCli, StripOfAModelWithoutMtpFailsUnlessAllowed) {
    auto refused = gguf_mtp({"strip", dir_.file("plain.gguf")});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("nothing to strip"), std::string::npos) << refused.err;
    auto copied = gguf_mtp({"strip", "--allow-no-mtp", dir_.file("plain.gguf"), "-o", dir_.file("copy.gguf")});
    ASSERT_EQ(copied.exit_code, 0) << copied.err;
    EXPECT_EQ(gguf_test::read_file(dir_.file("copy.gguf")), gguf_test::read_file(dir_.file("plain.gguf")));
    auto extract = gguf_mtp({"extract", dir_.file("plain.gguf")});
    EXPECT_EQ(extract.exit_code, 1);
    EXPECT_NE(extract.err.find("has no MTP blocks"), std::string::npos) << extract.err;
}

TEST_F(SurgeryCli, MismatchedPairIsRefusedBeforeWriting) {
    auto r = gguf_mtp({"merge", fixture("qwen35moe-trunk.gguf"), fixture("glm4moe-mtp.gguf"), "-o", dir_.file("out.gguf")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("general.architecture"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_.file("out.gguf")));
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
    }
    EXPECT_TRUE(has_eh_proj);
    EXPECT_EQ(dir_.listing(), (std::vector<std::string>{"GLM-Tiny-Q8_0.gguf", "plain.gguf"}));
}

TEST_F(SurgeryCli, InfoRecognisesEachLayout) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"glm4moe-bundled.gguf", "bundled"}, {"glm4moe-mtp.gguf", "mtp-only"}, {"glm4moe-trunk.gguf", "none"}};
    for (const auto& [file, layout] : cases) {
        auto r = gguf_mtp({"info", "--json", fixture(file)});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(nlohmann::json::parse(r.out)["mtp"]["layout"], layout) << file;
    }
}

}  // namespace

namespace {

TEST(QuantizeCli, RefusesUnknownPresetsAndMixtures) {
    TempDir dir;
    auto unknown = gguf_mtp({"quantize", "--pure", fixture("llama-bundled.gguf"), dir.file("o.gguf"), "Q9_X"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_NE(unknown.err.find("unknown type 'Q9_X'"), std::string::npos) << unknown.err;
    auto mixture = gguf_mtp({"quantize", fixture("llama-bundled.gguf"), dir.file("o.gguf"), "Q4_K_M"});
    EXPECT_EQ(mixture.exit_code, 2);
    EXPECT_NE(mixture.err.find("--pure"), std::string::npos) << mixture.err;
    EXPECT_EQ(dir.listing(), std::vector<std::string>{});
}

TEST(QuantizeCli, AlreadyQuantizedInputNeedsAllowRequantize) {
    TempDir dir;
    auto r = gguf_mtp({"quantize", "--pure", fixture("glm4moe-bundled-q.gguf"), dir.file("o.gguf"), "F16"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("--allow-requantize"), std::string::npos) << r.err;
    EXPECT_EQ(dir.listing(), std::vector<std::string>{});
}

TEST(QuantizeCli, DryRunShowsTransformedTensors) {
    auto r = gguf_mtp({"quantize", "--pure", "--dry-run", "--json", fixture("llama-bundled.gguf"), "/nonexistent/o.gguf", "BF16"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    size_t transformed = 0;
    for (const auto& t : doc["files"][0]["tensors"]) transformed += t["source"] == "transform";
    EXPECT_GT(transformed, 0u);
}

}  // namespace
