// gguf-mtp verify and hash as users and batch scripts meet them: exit codes,
// one line per problem, the gguf-mtp-verify/1 document, and a manifest
// written from `hash --json` that catches a changed or missing output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "broken_catalogue.h"
#include "cli_runner.h"
#include "gguf_fixtures.h"
#include "test_support.h"

using gguf_test::gguf_mtp;
using gguf_test::TempDir;
using nlohmann::json;

namespace {


size_t lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST(VerifyCli, GoodModelsPassWithASummaryLine) {
    auto r = gguf_mtp({"verify", "--data", fixtures::path("glm4moe-bundled-q.gguf"), fixtures::path("llama-bundled.gguf")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(lines(r.out), 1u) << r.out;
    EXPECT_NE(r.out.find("verify: 2 files, "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(": OK"), std::string::npos) << r.out;
}

TEST(VerifyCli, EveryBrokenFileExitsOneWithAnErrorLine) {
    for (const auto& c : gguf_test::catalogue()) {
        TempDir dir;
        gguf_test::write_file(dir.file("broken.gguf"), c.make());
        auto r = gguf_mtp({"verify", dir.file("broken.gguf")});
        EXPECT_EQ(r.exit_code, 1) << c.name;
        EXPECT_EQ(r.out.rfind("error: " + dir.file("broken.gguf") + ": ", 0), 0u) << c.name << "\n" << r.out;
        EXPECT_NE(r.out.find(c.message_part), std::string::npos) << c.name << "\n" << r.out;
    }
}

TEST(VerifyCli, JsonFollowsTheSchema) {
    TempDir dir;
    gguf_test::RawFile raw;
    raw.tensors[1].offset += 4;
    raw.tensors[2].offset = raw.tensors[0].offset;
    gguf_test::write_file(dir.file("two.gguf"), raw.bytes());
    auto r = gguf_mtp({"verify", "--json", dir.file("two.gguf"), fixtures::path("llama-bundled.gguf")});
    EXPECT_EQ(r.exit_code, 1);
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["schema"], "gguf-mtp-verify/1");
    EXPECT_EQ(doc["ok"], false);
    EXPECT_EQ(doc["errors"], 2);
    EXPECT_EQ(doc["warnings"], 0);
    EXPECT_EQ(doc["models"], json({dir.file("two.gguf"), fixtures::path("llama-bundled.gguf")}));
    EXPECT_TRUE(doc["pair"].is_null());
    EXPECT_TRUE(doc["manifest"].is_null());
    EXPECT_EQ(doc["data_scanned"], false);
    EXPECT_EQ(doc["files"].size(), 2u);
    for (const char* key : {"tensors", "tensor_bytes", "bytes_scanned"}) EXPECT_TRUE(doc[key].is_number_unsigned()) << key;
    ASSERT_EQ(doc["findings"].size(), 2u);
    for (const auto& f : doc["findings"]) {
        EXPECT_EQ(f["check"], "data_extents");
        EXPECT_EQ(f["severity"], "error");
        EXPECT_EQ(f["code"], "bad_format");
        EXPECT_EQ(f["file"], dir.file("two.gguf"));
        EXPECT_TRUE(f["offset"].is_null() || f["offset"].is_number_unsigned());
        EXPECT_TRUE(f["message"].is_string());
    }
    EXPECT_EQ(doc["findings"][0]["tensor"], "tensor_ac") << "in data order";
    EXPECT_EQ(doc["findings"][1]["tensor"], "tensor_ab");
}

TEST(VerifyCli, PairChecksWithoutWriting) {
    TempDir dir;
    auto good = gguf_mtp({"verify", "--pair", fixtures::path("glm4moe-trunk.gguf"), fixtures::path("glm4moe-mtp.gguf")});
    EXPECT_EQ(good.exit_code, 0) << good.out;
    auto bad = gguf_mtp({"verify", "--json", "--pair", fixtures::path("qwen35moe-trunk.gguf"), fixtures::path("glm4moe-mtp.gguf")});
    EXPECT_EQ(bad.exit_code, 1);
    const auto doc = json::parse(bad.out);
    EXPECT_EQ(doc["pair"]["trunk"], fixtures::path("qwen35moe-trunk.gguf"));
    ASSERT_EQ(doc["findings"].size(), 1u) << bad.out;
    EXPECT_EQ(doc["findings"][0]["check"], "pair");
    EXPECT_NE(doc["findings"][0]["message"].get<std::string>().find("general.architecture"), std::string::npos);
    EXPECT_EQ(gguf_mtp({"verify", "--pair", fixtures::path("glm4moe-trunk.gguf")}).exit_code, 2);
}

TEST(VerifyCli, NothingToVerifyIsAUsageError) {
    auto r = gguf_mtp({"verify"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--manifest"), std::string::npos) << r.err;
}

class ManifestCli : public testing::Test {
protected:
    void SetUp() override {
        std::filesystem::copy_file(fixtures::path("glm4moe-trunk.gguf"), dir_.file("trunk.gguf"));
        std::filesystem::copy_file(fixtures::path("glm4moe-mtp.gguf"), dir_.file("mtp-model.gguf"));
        // What a batch script does: hash its outputs, then write the manifest.
        auto hashed = gguf_mtp({"hash", "--json", dir_.file("trunk.gguf"), dir_.file("mtp-model.gguf")});
        ASSERT_EQ(hashed.exit_code, 0) << hashed.err;
        json outputs = json::parse(hashed.out);
        for (auto& o : outputs) o["path"] = std::filesystem::path(o["path"].get<std::string>()).filename().string();
        json manifest = {{"schema", "gguf-mtp-manifest/1"},
                         {"gguf_mtp_version", "test"},
                         {"inputs", json::array({{{"path", "model.gguf"}, {"bytes", 1}}})},
                         {"outputs", outputs},
                         {"commands", json::array()}};
        std::ofstream(dir_.file("manifest.json")) << manifest.dump(2);
    }
    TempDir dir_;
};

TEST_F(ManifestCli, HashPrintsXxh128sumLines) {
    auto r = gguf_mtp({"hash", dir_.file("trunk.gguf")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(lines(r.out), 1u);
    EXPECT_EQ(r.out.substr(32), "  " + dir_.file("trunk.gguf") + "\n");
    EXPECT_EQ(r.out.substr(0, 32).find_first_not_of("0123456789abcdef"), std::string::npos) << r.out;
    auto missing = gguf_mtp({"hash", dir_.file("nope.gguf"), dir_.file("trunk.gguf")});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_EQ(lines(missing.out), 1u) << "the other files are still hashed";
}

TEST_F(ManifestCli, UnchangedOutputsVerify) {
    auto r = gguf_mtp({"verify", "--manifest", dir_.file("manifest.json")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("verify: 2 files"), std::string::npos) << r.out;
}

TEST_F(ManifestCli, AFlippedByteAndAMissingFileAreNamed) {
    auto bytes = gguf_test::read_file(dir_.file("trunk.gguf"));
    bytes[100] ^= 0x40;
    gguf_test::write_file(dir_.file("trunk.gguf"), bytes);
    auto flipped = gguf_mtp({"verify", "--manifest", dir_.file("manifest.json")});
    EXPECT_EQ(flipped.exit_code, 1);
    EXPECT_NE(flipped.out.find("error: " + dir_.file("trunk.gguf") + ": XXH3-128 is "), std::string::npos) << flipped.out;
    std::filesystem::remove(dir_.file("mtp-model.gguf"));
    auto r = gguf_mtp({"verify", "--json", "--manifest", dir_.file("manifest.json")});
    EXPECT_EQ(r.exit_code, 1);
    const auto doc = json::parse(r.out);
    EXPECT_EQ(doc["manifest"], dir_.file("manifest.json"));
    ASSERT_EQ(doc["findings"].size(), 2u) << r.out;
    EXPECT_EQ(doc["findings"][1]["file"], dir_.file("mtp-model.gguf"));
    EXPECT_EQ(doc["findings"][1]["code"], "not_found");
    EXPECT_EQ(doc["findings"][1]["check"], "output");
}

TEST_F(ManifestCli, AManifestOfAnotherSchemaIsRefused) {
    std::ofstream(dir_.file("other.json")) << R"({"schema": "something/2", "outputs": []})";
    auto r = gguf_mtp({"verify", "--manifest", dir_.file("other.json")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out.rfind("error: " + dir_.file("other.json") + ": schema is not \"gguf-mtp-manifest/1\" [output]", 0), 0u) << r.out;
    std::ofstream(dir_.file("short.json")) << R"({"schema": "gguf-mtp-manifest/1", "outputs": [{"path": "a", "bytes": 1, "xxh3_128": "abc"}]})";
    auto hash = gguf_mtp({"verify", "--manifest", dir_.file("short.json")});
    EXPECT_EQ(hash.exit_code, 1);
    EXPECT_NE(hash.out.find("outputs[0].xxh3_128 is not 32 hex digits"), std::string::npos) << hash.out;
}

}  // namespace
