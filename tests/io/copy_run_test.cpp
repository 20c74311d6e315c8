// Copied tensors move in runs (libgguf/src/plan/copy_run.h): whatever the
// order and subset of tensors a plan copies, and whatever the input holds in
// its padding, the output is byte for byte the file written from the same
// tensor bytes produced in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "gguf/plan/writer.h"
#include "gguf/split/model.h"
#include "test_support.h"

using gguf_test::TempDir;

namespace {

// Fills the input's padding between tensors with non-zero bytes; returns
// how many bytes it changed.
uint64_t dirty_padding(const std::string& path) {
    auto file = gguf::GgufFile::open(path);
    EXPECT_TRUE(file.has_value()) << file.error().to_string();
    auto bytes = gguf_test::read_file(path);
    std::vector<std::pair<uint64_t, uint64_t>> spans;  // every tensor's [start, end)
    for (size_t i = 0; i < file->tensors().size(); ++i) {
        spans.emplace_back(file->tensor_file_offset(i), file->tensor_file_offset(i) + file->tensors()[i].n_bytes);
    }
    std::sort(spans.begin(), spans.end());
    uint64_t changed = 0;
    for (size_t i = 0; i + 1 < spans.size(); ++i) {
        for (uint64_t at = spans[i].second; at < spans[i + 1].first; ++at, ++changed) bytes[at] = 0xA5;
    }
    gguf_test::write_file(path, bytes);
    return changed;
}

class CopyRuns : public testing::TestWithParam<uint64_t> {};

TEST_P(CopyRuns, CopiedTensorsInAnyOrderAndSubsetWriteTheBytesOfTheSameTensorsMadeInMemory) {
    const uint64_t seed = GetParam();
    gguf_test::RandomPlanOptions options;
    options.alignment = seed % 2 == 0 ? 64 : 0;
    options.tensors = 24;
    gguf::Plan made = gguf_test::random_plan(seed, options);
    TempDir dir;
    gguf_test::write_plan_or_fail(made, dir.file("in.gguf"));
    const bool dirty = seed % 3 != 0;
    if (dirty) {
        EXPECT_GT(dirty_padding(dir.file("in.gguf")), 0u);
    }

    auto model = gguf::Model::open(dir.file("in.gguf"));
    ASSERT_TRUE(model.has_value()) << model.error().to_string();
    gguf::Plan copied = gguf::plan_copy(*model);
    ASSERT_EQ(copied.tensors.size(), made.tensors.size());
    // The same order and subset on both sides: mostly neighbours kept together
    // (long runs), some swapped and dropped (runs cut short).
    std::mt19937_64 rng(seed);
    std::vector<size_t> order;
    for (size_t i = 0; i < made.tensors.size(); ++i) {
        if (rng() % 6 != 0) order.push_back(i);
    }
    for (size_t i = 0; i + 1 < order.size(); ++i) {
        if (rng() % 5 == 0) std::swap(order[i], order[i + 1]);
    }
    auto pick = [&](const gguf::Plan& plan) {
        gguf::Plan picked = plan;
        picked.tensors.clear();
        for (size_t i : order) picked.tensors.push_back(plan.tensors[i]);
        return picked;
    };
    gguf_test::write_plan_or_fail(pick(made), dir.file("made.gguf"));
    gguf_test::write_plan_or_fail(pick(copied), dir.file("copied.gguf"));
    EXPECT_EQ(gguf_test::read_file(dir.file("copied.gguf")), gguf_test::read_file(dir.file("made.gguf")))
        << "seed " << seed << (dirty ? ", non-zero padding in the input" : "");
}

INSTANTIATE_TEST_SUITE_P(Seeds, CopyRuns, testing::Range<uint64_t>(1, 13));

}  // namespace
