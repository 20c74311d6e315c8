// gguf-mtp compare as a user runs it: a swapped MTP head is caught by
// --fail-above while a Q8_0 quant passes, what cannot be measured is
// listed, the JSON holds what the man page says, a sample of every row is
// the full comparison, and a file that cannot be opened is one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "gguf/plan/writer.h"
#include "gguf/split/model.h"
#include "gguf_fixtures.h"
#include "imatrix_files.h"
#include "test_support.h"

namespace {

using gguf_test::gguf_mtp;
using gguf_test::TempDir;

// A copy of `from` with the data of tensors `a` and `b` (same size) exchanged.
void write_with_swapped_tensors(const std::string& from, const std::string& a, const std::string& b, const std::string& to) {
    auto file = gguf::GgufFile::open(from);
    ASSERT_TRUE(file) << file.error().to_string();
    const int64_t i = file->find_tensor(a), j = file->find_tensor(b);
    ASSERT_TRUE(i >= 0 && j >= 0);
    const uint64_t size = file->tensors()[i].n_bytes;
    ASSERT_EQ(size, file->tensors()[j].n_bytes);
    auto bytes = gguf_test::read_file(from);
    std::swap_ranges(bytes.begin() + file->tensor_file_offset(i), bytes.begin() + file->tensor_file_offset(i) + size,
                     bytes.begin() + file->tensor_file_offset(j));
    gguf_test::write_file(to, bytes);
}

nlohmann::json compare_json(const std::vector<std::string>& args, int want_exit = 0) {
    std::vector<std::string> full = {"compare", "--json"};
    full.insert(full.end(), args.begin(), args.end());
    auto r = gguf_mtp(full);
    EXPECT_EQ(r.exit_code, want_exit) << r.err;
    return nlohmann::json::parse(r.out);
}

TEST(CompareCli, ASwappedHeadIsFlaggedWhileAQ80QuantPasses) {
    TempDir dir;
    const std::string model = fixtures::path("qwen35moe-bundled.gguf");
    write_with_swapped_tensors(model, "blk.4.ffn_gate_exps.weight", "blk.4.ffn_up_exps.weight", dir.file("swapped.gguf"));

    auto flagged = gguf_mtp({"compare", "--fail-above", "0.5", model, dir.file("swapped.gguf")});
    EXPECT_EQ(flagged.exit_code, 1) << flagged.err;
    EXPECT_NE(flagged.out.find("relative RMS error above 0.5 (2): blk.4.ffn_gate_exps.weight, blk.4.ffn_up_exps.weight"),
              std::string::npos)
        << flagged.out;
    const auto doc = compare_json({"--fail-above", "0.5", model, dir.file("swapped.gguf")}, 1);
    EXPECT_EQ(doc["above"], (nlohmann::json{"blk.4.ffn_gate_exps.weight", "blk.4.ffn_up_exps.weight"}));
    EXPECT_GT(doc["by_role"]["mtp_head"]["relative_rms"].get<double>(), 0.3);
    EXPECT_EQ(doc["by_role"]["experts"]["relative_rms"].get<double>(), 0.0);  // the trunk's experts are untouched

    ASSERT_EQ(gguf_mtp({"quantize", model, dir.file("q8.gguf"), "Q8_0"}).exit_code, 0);
    auto passed = gguf_mtp({"compare", "--fail-above", "0.01", model, dir.file("q8.gguf")});
    EXPECT_EQ(passed.exit_code, 0) << passed.out;
    EXPECT_NE(passed.out.find("no tensor's relative RMS error is above 0.01"), std::string::npos) << passed.out;
}

TEST(CompareCli, ListsNamesInOneFileAndShapesThatDiffer) {
    TempDir dir;
    const std::string model = fixtures::path("qwen35moe-bundled.gguf");
    auto opened = gguf::Model::open(model);
    ASSERT_TRUE(opened);
    gguf::Plan plan = gguf::plan_copy(*opened);
    for (auto it = plan.tensors.begin(); it != plan.tensors.end();) {
        gguf::TensorInfo& t = it->info;
        if (t.name == "blk.0.ssm_conv1d.weight") std::swap(t.ne[0], t.ne[1]);  // F32: the same bytes, transposed
        if (t.name == "blk.1.ssm_a") t.name = "blk.1.ssm_a_renamed";
        it = t.name == "blk.2.ssm_norm.weight" ? plan.tensors.erase(it) : it + 1;
    }
    gguf_test::write_plan_or_fail(plan, dir.file("edited.gguf"));

    const auto doc = compare_json({model, dir.file("edited.gguf")});
    EXPECT_EQ(doc["schema"], "gguf-mtp-compare/1");
    EXPECT_EQ(doc["only_in_reference"], (nlohmann::json{"blk.1.ssm_a", "blk.2.ssm_norm.weight"}));
    EXPECT_EQ(doc["only_in_other"], nlohmann::json{"blk.1.ssm_a_renamed"});
    ASSERT_EQ(doc["shape_mismatches"].size(), 1u);
    EXPECT_EQ(doc["shape_mismatches"][0]["name"], "blk.0.ssm_conv1d.weight");
    EXPECT_EQ(doc["shape_mismatches"][0]["reference_shape"], (nlohmann::json{4, 128, 1, 1}));
    EXPECT_EQ(doc["shape_mismatches"][0]["other_shape"], (nlohmann::json{128, 4, 1, 1}));
    EXPECT_EQ(doc["tensors"].size(), opened->tensors().size() - 3);
    for (const auto& t : doc["tensors"]) {
        for (const char* field : {"name", "role", "block", "reference_type", "other_type", "shape", "rows", "rows_measured", "values",
                                  "non_finite", "relative_rms", "cosine", "max_abs_error"}) {
            EXPECT_TRUE(t.contains(field)) << field;
        }
        EXPECT_EQ(t["relative_rms"], 0.0) << t["name"];
    }
    for (const char* field : {"by_role", "by_block", "total", "skipped", "unweighted", "above", "bytes_read"}) EXPECT_TRUE(doc.contains(field)) << field;
    EXPECT_EQ(doc["by_block"].size(), 5u);
    EXPECT_EQ(doc["total"]["tensors"], doc["tensors"].size());

    auto text = gguf_mtp({"compare", model, dir.file("edited.gguf")});
    EXPECT_EQ(text.exit_code, 0);
    EXPECT_NE(text.out.find("only in the other (1): blk.1.ssm_a_renamed"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("blk.0.ssm_conv1d.weight: 4 x 128 in the reference, 128 x 4 in the other"), std::string::npos) << text.out;
}

TEST(CompareCli, ASampleOfEveryRowGivesTheFullResult) {
    const std::string a = fixtures::path("qwen35-bundled.gguf"), b = fixtures::path("qwen35-bundled-q.gguf");
    auto full = compare_json({a, b});
    auto sampled = compare_json({"--sample", "1000000", "--threads", "3", a, b});
    EXPECT_EQ(full["tensors"], sampled["tensors"]);
    EXPECT_EQ(full["total"], sampled["total"]);
    EXPECT_EQ(full["bytes_read"], sampled["bytes_read"]);
    auto few = compare_json({"--sample", "3", a, b});
    EXPECT_LT(few["bytes_read"].get<uint64_t>(), full["bytes_read"].get<uint64_t>() / 10);
    for (const auto& t : few["tensors"]) EXPECT_EQ(t["rows_measured"], std::min<uint64_t>(3, t["rows"].get<uint64_t>())) << t["name"];
}

TEST(CompareCli, AnImatrixWeightsTheErrorThatFailAboveJudges) {
    TempDir dir;
    const std::string model = fixtures::path("qwen35moe-bundled.gguf"), quant = fixtures::path("qwen35moe-bundled-q.gguf");
    auto opened = gguf::Model::open(model);
    ASSERT_TRUE(opened);
    const auto entries = imatrix_test::entries_for(*opened, [](const gguf::TensorInfo&) { return true; });
    gguf_test::write_plan_or_fail(imatrix_test::gguf_imatrix_plan(entries, {"calib.txt"}, 4, 512), dir.file("im.gguf"));

    const auto doc = compare_json({"--imatrix", dir.file("im.gguf"), model, quant});
    EXPECT_EQ(doc["imatrix"], dir.file("im.gguf"));
    size_t weighted = 0;
    for (const auto& t : doc["tensors"]) {
        ASSERT_TRUE(t.contains("weighted_relative_rms")) << t["name"];
        weighted += t["weighted"].get<bool>() ? 1 : 0;
    }
    EXPECT_EQ(weighted, entries.size());
    EXPECT_TRUE(doc["total"].contains("weighted_relative_rms"));

    // A limit between a tensor's plain and weighted errors: only the weighted one counts.
    nlohmann::json t;
    for (const auto& candidate : doc["tensors"]) {
        const double plain = candidate["relative_rms"], weighted_error = candidate["weighted_relative_rms"];
        if (candidate["weighted"] == true && std::fabs(weighted_error - plain) > 1e-3 * plain) t = candidate;
    }
    ASSERT_FALSE(t.is_null());
    const double plain_error = t["relative_rms"], weighted_error = t["weighted_relative_rms"];
    const std::string limit = nlohmann::json((plain_error + weighted_error) / 2).dump();  // every digit
    auto named = [&](const nlohmann::json& run) { return std::find(run["above"].begin(), run["above"].end(), t["name"]) != run["above"].end(); };
    EXPECT_EQ(named(compare_json({"--imatrix", dir.file("im.gguf"), "--fail-above", limit, model, quant}, 1)), weighted_error > plain_error);
    EXPECT_EQ(named(compare_json({"--fail-above", limit, model, quant}, 1)), plain_error > weighted_error);
}

TEST(CompareCli, AFileThatCannotBeOpenedIsOneLine) {
    TempDir dir;
    auto r = gguf_mtp({"compare", fixtures::path("llama-bundled.gguf"), dir.file("missing.gguf")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(dir.file("missing.gguf")), std::string::npos) << r.err;
    EXPECT_EQ(gguf_mtp({"compare", "--imatrix", dir.file("none.imatrix"), fixtures::path("llama-bundled.gguf"),
                        fixtures::path("llama-bundled.gguf")})
                  .exit_code,
              1);
    EXPECT_EQ(gguf_mtp({"compare", "--fail-above", "-1", fixtures::path("llama-bundled.gguf"), fixtures::path("llama-bundled.gguf")})
                  .exit_code,
              2);
}

}  // namespace
