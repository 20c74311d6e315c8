// Faults lose nothing: the real gguf-mtp binary runs every writing command
// with the file-system double of fault_shim.cpp preloaded, failing each
// operation on its output in turn (ENOSPC, EIO, a short write, SIGKILL),
// and is also killed at random moments. After every run:
//  - no input changed (xxh3 of every input file, and no file added there);
//  - a file under a final output name holds exactly the bytes a clean run
//    writes (complete, and so verifies);
//  - after a clean error no output and no temporary is left; after a short
//    write the output is complete and exact;
//  - after SIGKILL, leftovers are only temporaries FINAL.XXXXXX.partial
//    beside the output (unavoidable: nothing runs after SIGKILL to remove
//    them), never a file under a final name that is not complete.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <regex>

#include "gguf_fixtures.h"
#include "gguf_mtp_process.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using gguf_test::Exit;
using gguf_test::hash_files;
using gguf_test::run_gguf_mtp;
using gguf_test::TempDir;


// The inputs every command reads, made once: a bundled model, its trunk and
// head, and a split set of it.
class Inputs {
public:
    Inputs() {
        fs::copy_file(fixtures::path("glm4moe-bundled.gguf"), dir_.file("bundled.gguf"));
        fs::copy_file(fixtures::path("glm4moe-trunk.gguf"), dir_.file("trunk.gguf"));
        fs::copy_file(fixtures::path("glm4moe-mtp.gguf"), dir_.file("head.gguf"));
        run_gguf_mtp({"split", "--split-max-tensors", "12", file("bundled.gguf"), file("set")}, {});
        hashes_ = hash_files(dir_.path());
        for (const auto& [name, unused] : hashes_) {
            if (name.starts_with("set-00001-of-")) first_shard_ = file(name);
        }
    }
    const std::string& first_shard() const { return first_shard_; }
    std::string file(const std::string& name) const { return dir_.file(name); }
    const std::map<std::string, uint64_t>& hashes_before() const { return hashes_; }

private:
    TempDir dir_;
    std::map<std::string, uint64_t> hashes_;
    std::string first_shard_;
};

const Inputs& inputs() {
    static const Inputs in;
    return in;
}

struct Command {
    std::string name;
    std::function<std::vector<std::string>(const std::string& out_dir)> args;
};

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {
        {"extract", [](const std::string& o) { return std::vector<std::string>{"extract", inputs().file("bundled.gguf"), "-o", o + "/head.gguf"}; }},
        {"strip", [](const std::string& o) { return std::vector<std::string>{"strip", inputs().file("bundled.gguf"), "-o", o + "/trunk.gguf"}; }},
        {"merge", [](const std::string& o) {
             return std::vector<std::string>{"merge", inputs().file("trunk.gguf"), inputs().file("head.gguf"), "-o", o + "/merged.gguf"};
         }},
        {"quantize", [](const std::string& o) {
             // The head: quantized and copied tensors both, at half the bundled file's write count.
             return std::vector<std::string>{"quantize", "--pure", inputs().file("head.gguf"), o + "/q8.gguf", "Q8_0", "2"};
         }},
        {"split", [](const std::string& o) {
             return std::vector<std::string>{"split", "--split-max-tensors", "10", inputs().file("bundled.gguf"), o + "/part"};
         }},
        {"join_zstd", [](const std::string& o) {
             return std::vector<std::string>{"join", inputs().first_shard(), o + "/joined.gguf.zst"};
         }},
    };
    return all;
}

// What a clean run of a command writes: file name -> bytes.
using Outputs = std::map<std::string, std::vector<uint8_t>>;

// A provenance record holds how long each tensor took; the rest of it must
// match like any output.
std::vector<uint8_t> without_timings(const std::vector<uint8_t>& record) {
    const std::string text = std::regex_replace(std::string(record.begin(), record.end()), std::regex(R"("seconds": [-+.0-9eE]+)"), "\"seconds\": 0");
    return {text.begin(), text.end()};
}

Outputs read_all(const fs::path& dir) {
    Outputs out;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        auto bytes = gguf_test::read_file(e.path().string());
        out[name] = name.ends_with(".provenance.json") ? without_timings(bytes) : bytes;
    }
    return out;
}

struct Faulted {
    Exit exit;
    bool fired = false;
    size_t operations = 0;
};

Faulted run_with_fault(const Command& c, const std::string& out_dir, const std::string& kind, size_t at) {
    TempDir log_dir;
    const std::string log = log_dir.file("log");
    Faulted f;
    f.exit = run_gguf_mtp(c.args(out_dir), {"GGUF_FAULT_LOG=" + log, "GGUF_FAULT=" + kind, "GGUF_FAULT_AT=" + std::to_string(at)});
    const auto bytes = gguf_test::read_file(log);
    const std::string text(bytes.begin(), bytes.end());
    f.fired = text.find(" FAULT\n") != std::string::npos;
    f.operations = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    return f;
}

class FaultInjection : public testing::TestWithParam<std::tuple<size_t, std::string>> {
protected:
    void SetUp() override {
        TempDir clean;
        const Exit e = run_gguf_mtp(command().args(clean.path().string()), {});
        ASSERT_EQ(e.code, 0) << e.err;
        reference_ = read_all(clean.path());
        ASSERT_FALSE(reference_.empty());
    }

    const Command& command() const { return commands()[std::get<0>(GetParam())]; }

    void expect_inputs_unchanged(const std::string& context) const {
        EXPECT_EQ(hash_files(fs::path(inputs().file(""))), inputs().hashes_before()) << context;
    }

    // Every file left is a complete output or (after a kill) a temporary
    // beside an output; returns how many temporaries.
    size_t expect_only_complete_outputs(const fs::path& dir, bool temporaries_allowed, const std::string& context) const {
        size_t temporaries = 0;
        for (const auto& [name, bytes] : read_all(dir)) {
            if (auto it = reference_.find(name); it != reference_.end()) {
                EXPECT_TRUE(bytes == it->second) << name << " is under its final name but incomplete or wrong; " << context;
                continue;
            }
            bool beside_an_output = false;
            for (const auto& [final_name, unused] : reference_) {
                beside_an_output |= std::regex_match(name, std::regex(std::regex_replace(final_name, std::regex(R"([.])"), R"(\.)") + R"(\.[A-Za-z0-9]{6}\.partial)"));
            }
            EXPECT_TRUE(temporaries_allowed && beside_an_output) << "left behind: " << name << "; " << context;
            ++temporaries;
        }
        return temporaries;
    }

    Outputs reference_;
};

TEST_P(FaultInjection, EveryOperationOnTheOutputFailsSafely) {
    const std::string kind = std::get<1>(GetParam());
    size_t tried = 0, temporaries_after_kill = 0;
    for (size_t at = 1;; ++at) {
        TempDir out;
        const Faulted f = run_with_fault(command(), out.path().string(), kind, at);
        const std::string context = command().name + " with " + kind + " at operation " + std::to_string(at) + ": " + f.exit.err;
        expect_inputs_unchanged(context);
        if (!f.fired) {  // an operation this fault does not apply to, or past the last one: a clean run
            EXPECT_EQ(f.exit.code, 0) << context;
            EXPECT_TRUE(read_all(out.path()) == reference_) << context;
            if (at > f.operations || HasFailure()) break;
            continue;
        }
        ++tried;
        if (kind == "kill") {
            EXPECT_TRUE(f.exit.killed) << context;
            temporaries_after_kill += expect_only_complete_outputs(out.path(), true, context);
        } else if (kind == "short") {
            EXPECT_EQ(f.exit.code, 0) << context;
            EXPECT_TRUE(read_all(out.path()) == reference_) << context;
        } else {
            EXPECT_EQ(f.exit.code, 1) << context;
            EXPECT_EQ(f.exit.err.rfind("gguf-mtp: error: ", 0), 0u) << context;
            EXPECT_EQ(std::count(f.exit.err.begin(), f.exit.err.end(), '\n'), 1) << context;
            EXPECT_TRUE(out.listing().empty()) << context;
        }
        if (HasFailure()) break;
    }
    EXPECT_GT(tried, 0u);
    RecordProperty("fault_points", static_cast<int>(tried));
    std::printf("%s, %s: %zu fault points tried; %zu temporaries left by SIGKILL\n", command().name.c_str(), kind.c_str(),
                tried, temporaries_after_kill);
}

INSTANTIATE_TEST_SUITE_P(AllCommands, FaultInjection,
                         testing::Combine(testing::Range<size_t>(0, 6), testing::Values("enospc", "eio", "short", "kill")),
                         [](const auto& info) {
                             return commands()[std::get<0>(info.param)].name + "_" + std::get<1>(info.param);
                         });

class RandomKill : public FaultInjection {};

TEST_P(RandomKill, KilledAtRandomMomentsLeavesOnlyCompleteOutputs) {
    TempDir timing;
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(run_gguf_mtp(command().args(timing.path().string()), {}).code, 0);
    const auto clean_run = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    std::mt19937 rng(7);
    std::uniform_int_distribution<int64_t> delay(0, clean_run.count());
    for (int i = 0; i < 20; ++i) {
        TempDir out;
        const auto after = std::chrono::microseconds(delay(rng));
        const Exit e = run_gguf_mtp(command().args(out.path().string()), {}, after);
        const std::string context = command().name + " killed after " + std::to_string(after.count()) + " us: " + e.err;
        expect_inputs_unchanged(context);
        expect_only_complete_outputs(out.path(), e.killed, context);
    }
}

INSTANTIATE_TEST_SUITE_P(AllCommands, RandomKill, testing::Combine(testing::Range<size_t>(0, 6), testing::Values("random")),
                         [](const auto& info) { return commands()[std::get<0>(info.param)].name; });

}  // namespace
