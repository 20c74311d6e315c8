// gguf-mtp's surgery outputs in real llama.cpp, for the case no convert
// layout covers: a head merged into a trunk of another quantization. The
// merged model must load like the bundled one, decode exactly as its trunk
// does, and draft exactly as its own parts do when split again (the merged
// head drafts with the trunk's token_embd and output, so the F16 head file
// alone, with its own F16 copies, drafts slightly differently: that is the
// point of merging); the stripped model must load with no NextN layers.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/mtp/mtp_surgery.h"
#include "gguf/plan/writer.h"
#include "gguf_fixtures.h"
#include "oracle_llama.h"
#include "test_support.h"

namespace {

const std::vector<int32_t> kTokens = {1, 5, 9, 3, 7};
constexpr int32_t kNextToken = 11;


// The fixtures with an MTP head; with loadable_only, those whose head this
// release loads on its own (not the exaone models', which llama.cpp keeps
// but never drafts with).
std::vector<std::string> fixture_names_with_heads(bool loadable_only) {
    std::ifstream in(fixtures::kFixturesManifest);
    const std::string_view release = gguf::rules_of(oracle::release()).name;
    std::vector<std::string> out;
    for (const auto& e : nlohmann::json::parse(in)) {
        if (e.at("layout") != "mtp" || e.at("quantized") || e.at("ik_only")) continue;
        const auto& loads_in = e.at("loads_in");
        if (loadable_only && std::ranges::none_of(loads_in, [&](const auto& r) { return r.template get<std::string>() == release; }))
            continue;
        out.push_back(e.at("arch"));
    }
    return out;
}

gguf::Status write(const gguf::Result<gguf::Plan>& plan, const std::string& path) {
    if (!plan) return std::unexpected(plan.error());
    gguf::WriteOptions o;
    o.output = path;
    auto r = gguf::write_plan(*plan, o);
    if (!r) return std::unexpected(r.error());
    return {};
}

class Surgery : public testing::TestWithParam<std::string> {
protected:
    static void SetUpTestSuite() { oracle::init(); }
};

using SurgeryWithLoadableHead = Surgery;
TEST_P(SurgeryWithLoadableHead, QuantizedTrunkWithF16HeadBehavesAsThePair) {
    const std::string name = GetParam();
    gguf_test::TempDir dir;
    const std::string trunk = fixtures::path(name + "-trunk-q.gguf"), head = fixtures::path(name + "-mtp.gguf");
    {
        auto t = gguf::Model::open(trunk);
        auto h = gguf::Model::open(head);
        ASSERT_TRUE(t && h);
        auto ok = write(gguf::plan_merge(*t, *h), dir.file("merged.gguf"));
        ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
        auto m = gguf::Model::open(dir.file("merged.gguf"));
        ASSERT_TRUE(m);
        ok = write(gguf::plan_extract(*m), dir.file("merged-head.gguf"));
        ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
    }
    const std::string merged = dir.file("merged.gguf");
    auto counts = oracle::load_counts(merged, true);
    auto bundled_counts = oracle::load_counts(fixtures::path(name + "-bundled-q.gguf"), true);
    ASSERT_TRUE(counts && bundled_counts) << oracle::take_log();
    EXPECT_EQ(counts->n_layer, bundled_counts->n_layer);
    EXPECT_EQ(counts->n_layer_nextn, bundled_counts->n_layer_nextn);

    auto merged_logits = oracle::last_logits(merged, false, kTokens);
    auto trunk_logits = oracle::last_logits(trunk, false, kTokens);
    ASSERT_TRUE(merged_logits && trunk_logits) << oracle::take_log();
    EXPECT_EQ(*merged_logits, *trunk_logits);

    auto own = oracle::mtp_draft_logits(merged, "", kTokens, kNextToken);
    auto pair = oracle::mtp_draft_logits(trunk, dir.file("merged-head.gguf"), kTokens, kNextToken);
    ASSERT_TRUE(own && pair) << oracle::take_log();
    ASSERT_FALSE(own->empty());
    EXPECT_EQ(*own, *pair);
}

TEST_P(Surgery, StrippedQuantizedModelLoadsWithoutNextnLayers) {
    const std::string name = GetParam();
    gguf_test::TempDir dir;
    {
        auto bundled = gguf::Model::open(fixtures::path(name + "-bundled-q.gguf"));
        ASSERT_TRUE(bundled);
        auto ok = write(gguf::plan_strip(*bundled), dir.file("trunk.gguf"));
        ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
    }
    for (bool load_mtp : {false, true}) {
        auto counts = oracle::load_counts(dir.file("trunk.gguf"), load_mtp);
        ASSERT_TRUE(counts) << oracle::take_log();
        EXPECT_EQ(counts->n_layer_nextn, 0);
    }
    auto stripped = oracle::last_logits(dir.file("trunk.gguf"), false, kTokens);
    auto bundled = oracle::last_logits(fixtures::path(name + "-bundled-q.gguf"), false, kTokens);
    ASSERT_TRUE(stripped && bundled) << oracle::take_log();
    EXPECT_EQ(*stripped, *bundled) << "the trunk decodes as the bundled model does";
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
    std::string n = info.param;
    for (auto& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Surgery, testing::ValuesIn(fixture_names_with_heads(false)), test_name);
INSTANTIATE_TEST_SUITE_P(Fixtures, SurgeryWithLoadableHead, testing::ValuesIn(fixture_names_with_heads(true)), test_name);

}  // namespace
