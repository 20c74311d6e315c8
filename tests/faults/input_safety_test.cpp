// No writing command ever writes over one of its inputs, whatever name the
// output is given: the input's own path, a symlink to it or a hard link to
// it, with or without --force. Each refusal leaves every file as it was (xxh3
// of the whole directory) and no temporary behind.
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/imatrix/imatrix.h"
#include "gguf/plan/writer.h"
#include "gguf_fixtures.h"
#include "gguf_mtp_process.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using gguf_test::TempDir;

// A legacy imatrix with one entry (for a tensor the model lacks, so it
// changes nothing but is read as an input).
std::vector<uint8_t> small_imatrix() {
    std::vector<uint8_t> out;
    auto put = [&](const void* p, size_t n) { out.insert(out.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); };
    const int32_t entries = 1, name_len = 13, calls = 1, values = 4, chunks = 1, dataset_len = 0;
    const float value = 1;
    put(&entries, 4);
    put(&name_len, 4);
    put("unused.weight", 13);
    put(&calls, 4);
    put(&values, 4);
    for (int i = 0; i < values; ++i) put(&value, 4);
    put(&chunks, 4);
    put(&dataset_len, 4);
    return out;
}

struct Case {
    std::string name;
    // The command line, with OUT standing for the output argument.
    std::vector<std::string> args;
    // The input the output is aimed at (file name in the test directory).
    std::string target;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class InputSafety : public testing::TestWithParam<Case> {
protected:
    void SetUp() override {
        const std::string fixtures_dir = fixtures::kFixturesDir;
        fs::copy_file(fixtures_dir + "/glm4moe-bundled.gguf", dir_.file("bundled.gguf"));
        fs::copy_file(fixtures_dir + "/glm4moe-trunk.gguf", dir_.file("trunk.gguf"));
        fs::copy_file(fixtures_dir + "/glm4moe-mtp.gguf", dir_.file("head.gguf"));
        gguf_test::write_file(dir_.file("m.imatrix"), small_imatrix());
        ASSERT_EQ(gguf_test::run_gguf_mtp({"split", "--split-max-tensors", "40", dir_.file("bundled.gguf"), dir_.file("set")}).code, 0);
        ASSERT_TRUE(fs::exists(dir_.file("set-00002-of-00002.gguf"))) << "the set has two shards";
    }

    std::vector<std::string> command(const std::string& output, bool force) const {
        std::vector<std::string> args;
        for (const auto& a : GetParam().args) args.push_back(a == "OUT" ? output : a.find('.') != std::string::npos ? dir_.file(a) : a);
        if (force) args.push_back("--force");
        return args;
    }

    TempDir dir_;
};

TEST_P(InputSafety, RefusesToWriteOverAnInputByPathSymlinkOrHardLink) {
    const std::string target = GetParam().target;
    // The split command names its outputs PREFIX-0000N-of-0000M.gguf: aim the
    // links' prefix, not their full name, at the input.
    const bool prefix = GetParam().name == "split";
    const std::string link_name = prefix ? "link-00001-of-00002.gguf" : "link-" + target;
    const std::string hard_name = prefix ? "hard-00001-of-00002.gguf" : "hard-" + target;
    fs::create_symlink(dir_.file(target), dir_.file(link_name));
    fs::create_hard_link(dir_.file(target), dir_.file(hard_name));
    const auto before = gguf_test::hash_files(dir_.path());
    const std::vector<std::string> outputs =
        prefix ? std::vector<std::string>{dir_.file("set"), dir_.file("link"), dir_.file("hard")}
               : std::vector<std::string>{dir_.file(target), dir_.file(link_name), dir_.file(hard_name)};
    for (const auto& output : outputs) {
        for (bool force : {false, true}) {
            const auto r = gguf_test::run_gguf_mtp(command(output, force));
            const std::string context = GetParam().name + " to " + output + (force ? " --force" : "") + ": " + r.err;
            EXPECT_NE(r.code, 0) << context;
            if (force) {
                EXPECT_NE(r.err.find("refusing to write over an input file"), std::string::npos) << context;
            }
            EXPECT_EQ(gguf_test::hash_files(dir_.path()), before) << context;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    EveryWritingCommand, InputSafety,
    testing::Values(Case{"extract", {"extract", "bundled.gguf", "-o", "OUT"}, "bundled.gguf"},
                    Case{"strip", {"strip", "bundled.gguf", "-o", "OUT"}, "bundled.gguf"},
                    Case{"merge_over_trunk", {"merge", "trunk.gguf", "head.gguf", "-o", "OUT"}, "trunk.gguf"},
                    Case{"merge_over_head", {"merge", "trunk.gguf", "head.gguf", "-o", "OUT"}, "head.gguf"},
                    Case{"quantize", {"quantize", "--pure", "bundled.gguf", "OUT", "Q8_0"}, "bundled.gguf"},
                    Case{"quantize_over_imatrix", {"quantize", "--pure", "--imatrix", "m.imatrix", "bundled.gguf", "OUT", "Q8_0"}, "m.imatrix"},
                    Case{"split", {"split", "--split-max-tensors", "40", "set-00002-of-00002.gguf", "OUT"}, "set-00001-of-00002.gguf"},
                    Case{"join_over_first_shard", {"join", "set-00002-of-00002.gguf", "OUT"}, "set-00001-of-00002.gguf"},
                    Case{"join_over_other_shard", {"join", "set-00001-of-00002.gguf", "OUT"}, "set-00002-of-00002.gguf"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
