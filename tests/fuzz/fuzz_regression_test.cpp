// Every input that ever crashed a fuzz target (tests/fuzz_regressions/
// <target>/) replays through the same entry point, in every build (the
// sanitizer build included): it must now be refused with an error (each
// one is a malformed file), not crash or be taken as valid.
#include <gtest/gtest.h>

#include <filesystem>

#include "fuzz_targets.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;

class FuzzRegressions : public testing::TestWithParam<gguf_fuzz::Target> {};

TEST_P(FuzzRegressions, EveryKeptInputRunsCleanly) {
    const fs::path dir = fs::path(GGUF_FUZZ_REGRESSIONS_DIR) / GetParam().name;
    size_t replayed = 0;
    if (fs::is_directory(dir)) {
        for (const auto& e : fs::directory_iterator(dir)) {
            SCOPED_TRACE(e.path().string());
            const auto bytes = gguf_test::read_file(e.path().string());
            // A crash or a broken invariant aborts here; a return means it was handled.
            EXPECT_FALSE(GetParam().run(bytes)) << "a malformed input was accepted";
            ++replayed;
        }
        EXPECT_GT(replayed, 0u) << "an empty regression folder";
    }
    RecordProperty("inputs", static_cast<int>(replayed));
}

INSTANTIATE_TEST_SUITE_P(AllTargets, FuzzRegressions, testing::ValuesIn(gguf_fuzz::kTargets),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
