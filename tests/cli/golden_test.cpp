// gguf-mtp's output pinned by golden files: every case in golden/cases.json
// runs the built binary, and what it prints (stdout, stderr, exit status and
// the files it leaves in {dir}, after scrub()) must equal golden/<case>.txt.
//
// After an intended change of output, regenerate the files and review them:
//   GGUF_MTP_UPDATE_GOLDEN=1 ctest --test-dir build -R GoldenCli
//   git diff tests/cli/golden
// With GGUF_MTP_UPDATE_GOLDEN=1 each case writes what it printed over its
// golden file and passes. A new case needs only its entry in cases.json.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "cli_runner.h"
#include "golden_case.h"
#include "golden_record.h"
#include "gguf_fixtures.h"
#include "line_diff.h"
#include "test_support.h"

namespace {

using gguf_test::GoldenCase;

const std::filesystem::path kGoldenDir = GGUF_MTP_GOLDEN_DIR;

bool updating_golden_files() {
    const char* update = std::getenv("GGUF_MTP_UPDATE_GOLDEN");
    return update && std::string(update) == "1";
}

std::filesystem::path golden_file(const std::string& case_name) { return kGoldenDir / (case_name + ".txt"); }

std::string read_text(const std::filesystem::path& path) {
    const auto bytes = gguf_test::read_file(path.string());
    return {bytes.begin(), bytes.end()};
}

class GoldenCli : public testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenCli, PrintsWhatItsGoldenFileHolds) {
    const GoldenCase& golden_case = GetParam();
    gguf_test::TempDir dir;
    const gguf_test::GoldenPlaces places{dir.path().string(), fixtures::kFixturesDir};
    gguf_test::lay_out_files(golden_case, places);
    auto expanded = [&](const std::vector<std::string>& args) {
        std::vector<std::string> out;
        for (const auto& arg : args) out.push_back(gguf_test::expand_placeholders(arg, places));
        return out;
    };
    for (const auto& before : golden_case.before) {
        const auto run = gguf_test::gguf_mtp(expanded(before));
        ASSERT_EQ(run.exit_code, 0) << "a run before the case failed: " << run.err;
    }
    const auto run = gguf_test::gguf_mtp(expanded(golden_case.args));
    const std::string actual = gguf_test::golden_record(golden_case, run, dir.listing(), places);

    const auto path = golden_file(golden_case.name);
    if (updating_golden_files()) {
        std::ofstream(path, std::ios::binary) << actual;
        return;
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; GGUF_MTP_UPDATE_GOLDEN=1 writes it. The run printed:\n" << actual;
    const std::string expected = read_text(path);
    EXPECT_TRUE(expected == actual) << "the output differs from " << path << " (GGUF_MTP_UPDATE_GOLDEN=1 rewrites it):\n"
                                    << gguf_test::unified_diff(expected, actual);
}

INSTANTIATE_TEST_SUITE_P(Case, GoldenCli, testing::ValuesIn(gguf_test::load_golden_cases((kGoldenDir / "cases.json").string())),
                         [](const testing::TestParamInfo<GoldenCase>& info) { return info.param.name; });

// A golden file whose case was renamed or removed would pin nothing.
TEST(GoldenCliFiles, EachBelongsToACase) {
    std::set<std::string> cases;
    for (const auto& c : gguf_test::load_golden_cases((kGoldenDir / "cases.json").string())) cases.insert(c.name);
    for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir)) {
        const auto& file = entry.path();
        if (file.extension() == ".txt") {
            EXPECT_TRUE(cases.contains(file.stem().string())) << file << " has no case in cases.json";
        }
    }
}

}  // namespace
