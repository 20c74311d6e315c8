// Coverage of a model by an imatrix, on every bundled fixture: an imatrix
// collected as llama-imatrix collects it (trunk blocks only) leaves exactly
// the MTP blocks' quantizable tensors missing, and they are flagged.
#include <gtest/gtest.h>

#include <algorithm>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "gguf/quant/imatrix_coverage.h"
#include "gguf/mtp/mtp.h"
#include "gguf/quant/quantize_plan.h"
#include "gguf_fixtures.h"
#include "imatrix_files.h"
#include "test_support.h"

using gguf_test::TempDir;
using namespace imatrix_test;

namespace {

struct BundledFixture {
    std::string file;
    int64_t n_layer = 0;  // trunk blocks; the MTP blocks follow
};

std::vector<BundledFixture> bundled_fixtures() {
    std::ifstream in(fixtures::kFixturesManifest);
    std::vector<BundledFixture> out;
    for (const auto& e : nlohmann::json::parse(in)) {
        if (e.at("layout") == "bundled" && !e.at("quantized") && e.at("nextn_predict_layers").get<int>() > 0) {
            out.push_back({e.at("file"), e.at("n_layer").get<int64_t>()});
        }
    }
    return out;
}

TEST(ImatrixCoverage, MtpTensorsLeftOutByCalibrationAreFlagged) {
    const auto fixtures_list = bundled_fixtures();
    ASSERT_GE(fixtures_list.size(), 5u);
    TempDir dir;
    for (const auto& fx : fixtures_list) {
        SCOPED_TRACE(fx.file);
        auto model = gguf::Model::open(std::string(fixtures::kFixturesDir) + "/" + fx.file);
        ASSERT_TRUE(model) << model.error().to_string();
        auto in_trunk = [&](const gguf::TensorInfo& t) { return gguf::block_number(t.name) < fx.n_layer; };
        gguf_test::write_plan_or_fail(gguf_imatrix_plan(entries_for(*model, in_trunk), {"c.txt"}, 4, 512), dir.file("im.gguf"));
        auto m = gguf::read_imatrix(dir.file("im.gguf"));
        ASSERT_TRUE(m) << m.error().to_string();
        auto c = gguf::imatrix_coverage(*model, *m);
        ASSERT_TRUE(c) << c.error().to_string();

        std::set<std::string> expected_missing, missing, zero_counted;
        size_t quantizable = 0;
        for (auto ref : model->tensors()) {
            const auto& t = model->info(ref);
            if (!gguf::tensor_allows_quantization(t)) continue;
            ++quantizable;
            if (!in_trunk(t)) expected_missing.insert(t.name);
        }
        for (const auto& f : c->findings) {
            if (f.problem == gguf::CoverageProblem::missing) {
                missing.insert(f.tensor);
                EXPECT_TRUE(f.mtp) << f.tensor;
            } else {
                EXPECT_EQ(f.problem, gguf::CoverageProblem::zero_counts) << f.tensor;
                EXPECT_EQ(f.zero_matrices, std::vector<uint32_t>{1}) << f.tensor;  // the expert entries_for leaves unrouted
                EXPECT_FALSE(f.mtp);
                zero_counted.insert(f.tensor);
            }
        }
        EXPECT_FALSE(expected_missing.empty());
        EXPECT_EQ(missing, expected_missing);
        EXPECT_EQ(c->quantizable, quantizable);
        EXPECT_EQ(c->mtp_quantizable, expected_missing.size());
        EXPECT_EQ(c->covered, quantizable - expected_missing.size());
        EXPECT_TRUE(std::ranges::any_of(expected_missing, [](const std::string& n) { return n.find(".nextn.") != std::string::npos; }));
        EXPECT_TRUE(c->unused_entries.empty());
    }
}

TEST(ImatrixCoverage, WrongSizesAndStrayEntriesAreReported) {
    TempDir dir;
    auto model = gguf::Model::open(std::string(fixtures::kFixturesDir) + "/glm4moe-bundled.gguf");
    ASSERT_TRUE(model);
    auto entries = entries_for(*model, [](const gguf::TensorInfo&) { return true; });
    ASSERT_GT(entries.size(), 2u);
    const std::string shrunk = entries[0].name;
    entries[0].row -= 1;  // one value short per matrix
    entries[0].sums.resize(entries[0].row * entries[0].counts.size());
    entries.push_back({"zzz.not_in_model.weight", 2, {1, 1}, {5}});
    gguf_test::write_plan_or_fail(gguf_imatrix_plan(entries, {}, 1, 512), dir.file("im.gguf"));
    auto m = gguf::read_imatrix(dir.file("im.gguf"));
    ASSERT_TRUE(m) << m.error().to_string();
    auto c = gguf::imatrix_coverage(*model, *m);
    ASSERT_TRUE(c);
    ASSERT_EQ(c->count(gguf::CoverageProblem::wrong_size), 1u);
    EXPECT_EQ(c->count(gguf::CoverageProblem::missing), 0u);
    auto wrong = std::ranges::find(c->findings, gguf::CoverageProblem::wrong_size, &gguf::CoverageFinding::problem);
    EXPECT_EQ(wrong->tensor, shrunk);
    EXPECT_EQ(wrong->found_values, entries[0].sums.size());
    EXPECT_EQ(wrong->expected_values, (entries[0].row + 1) * entries[0].counts.size());
    EXPECT_EQ(c->unused_entries, std::vector<std::string>{"zzz.not_in_model.weight"});
    EXPECT_EQ(c->covered, c->quantizable - 1);
}

}  // namespace
