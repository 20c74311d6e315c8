// gguf-mtp verify and hash where a golden file cannot show it all: every
// broken file of the catalogue, the gguf-mtp-verify/1 document checked field
// by field, and a manifest written from `hash --json` that catches a changed
// or missing output.
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

}  // namespace
