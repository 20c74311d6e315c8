// batch-model stopped by SIGTERM in the middle of a step, as Slurm's scancel
// stops a job (SIGCONT and SIGTERM to its processes): the step's command is
// held by the shim (GGUF_FAULT=stop) with its temporary open, one output
// made before it, and only batch-model is signalled, as `kill PID` does;
// it must pass the signal on. Afterwards nothing lies under a final name
// that no manifest lists (the next run would refuse to replace it), no
// temporary is left, and a rerun makes everything. (Stopped while it waits
// for the manifest's lock: tests/batch/mtp_batch_test.sh, section
// failures; under Slurm: section slurm.)
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gguf_fixtures.h"
#include "gguf_mtp_process.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using gguf_test::TempDir;

size_t line_count(const std::string& path) {
    if (!fs::exists(path)) return 0;
    const auto bytes = gguf_test::read_file(path);
    return static_cast<size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
}

TEST(BatchModelTermination, SigtermMidStepTakesBackWhatNoManifestLists) {
    TempDir repo, scratch;
    const std::string model = repo.file("glm4moe-bundled.gguf");
    fs::copy_file(fixtures::path("glm4moe-bundled.gguf"), model);

    // The operations on its temporary that the first step (extract) makes:
    // the next one is the second step's first write, its temporary open.
    const std::string clean_log = scratch.file("clean.log");
    ASSERT_EQ(gguf_test::run_gguf_mtp({"extract", "-o", scratch.file("head.gguf"), model}, {"GGUF_FAULT_LOG=" + clean_log}).code, 0);
    const size_t first_step = line_count(clean_log);
    ASSERT_GT(first_step, 0u);

    const std::string log = scratch.file("fault.log");
    const auto run = gguf_test::start_gguf_mtp(
        {"batch-model", "--quant", "Q8_0", repo.path().string(), model},
        {"GGUF_FAULT_LOG=" + log, "GGUF_FAULT=stop", "GGUF_FAULT_AT=" + std::to_string(first_step + 1)}, scratch.file("stderr"));
    ASSERT_GT(run.pid, 0);
    // The shim logs the operation, then stops the step's command.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line_count(log) <= first_step && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(line_count(log), first_step + 1) << "the second step did not reach its first write";
    const auto listing_mid_step = repo.listing();
    EXPECT_TRUE(std::any_of(listing_mid_step.begin(), listing_mid_step.end(),
                            [](const std::string& name) { return name.ends_with(".partial"); }))
        << "no temporary while the step is held";

    // The held command, a child of batch-model: ended here if batch-model
    // fails to, since a stopped orphan would stay.
    std::vector<pid_t> held;
    {
        std::ifstream children("/proc/" + std::to_string(run.pid) + "/task/" + std::to_string(run.pid) + "/children");
        for (pid_t pid; children >> pid;) held.push_back(pid);
    }
    EXPECT_EQ(held.size(), 1u);

    ::kill(run.pid, SIGTERM);
    const auto stopped = gguf_test::finish_gguf_mtp(run, std::chrono::seconds(30));
    for (const pid_t pid : held) {
        if (::kill(pid, 0) != 0) continue;
        ADD_FAILURE() << "the step's command outlived batch-model";
        ::kill(pid, SIGKILL);
    }
    EXPECT_EQ(stopped.code, 128 + SIGTERM) << stopped.err;
    EXPECT_NE(stopped.err.find("stopped by SIGTERM; removed the 1 output(s) it made"), std::string::npos) << stopped.err;
    // The model and its lock file, nothing else: not the head the first step
    // made, not the second step's temporary, no manifest.
    EXPECT_EQ(repo.listing(), (std::vector<std::string>{".glm4moe-bundled.mtp-batch.lock", "glm4moe-bundled.gguf"}));

    const auto rerun = gguf_test::run_gguf_mtp({"batch-model", "--quant", "Q8_0", repo.path().string(), model});
    EXPECT_EQ(rerun.code, 0) << rerun.err;
    EXPECT_EQ(gguf_test::run_gguf_mtp({"verify", "--manifest", repo.file("gguf-mtp-manifest.json")}).code, 0);
}

}  // namespace
