// Every fixture (testdata/specs -> gguf-mtp-fixtures) against real llama.cpp:
// it loads with and without its MTP layers and reports the layer counts the
// manifest expects; models with a trunk decode to finite logits; and the MTP
// head drafts the same logits whether it sits in the bundled file or comes
// as an MTP-only file next to the trunk, every chained head included. The
// last check is what makes splitting a model into trunk + head a lossless
// operation. Each fixture is checked against what the manifest says this
// release does with it: a file the release does not load must fail to load
// (not merely be skipped), and one it loads but cannot run is only loaded.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gguf_fixtures.h"
#include "oracle_llama.h"

namespace {

struct Fixture {
    std::string arch;
    std::string layout;
    bool quantized = false;
    std::string path;
    int32_t n_layer = 0;
    int32_t nextn = 0;
    bool loads = true;  // this release's libllama loads it (manifest "loads_in")
    bool runs = true;   // and decodes and drafts with it ("runs_in")
};

// gtest prints parameters in test listings and failures; the file says it all.
void PrintTo(const Fixture& f, std::ostream* os) { *os << f.path; }

bool lists_this_release(const nlohmann::json& releases) {
    const std::string_view name = gguf::rules_of(oracle::release()).name;
    return std::ranges::any_of(releases, [&](const nlohmann::json& r) { return r.get<std::string>() == name; });
}

std::vector<Fixture> manifest() {
    std::ifstream in(fixtures::kFixturesManifest);
    std::vector<Fixture> out;
    if (!in) return out;  // the Manifest test below reports it
    for (const auto& entry : nlohmann::json::parse(in)) {
        out.push_back({entry.at("arch"), entry.at("layout"), entry.at("quantized"),
                       std::string(fixtures::kFixturesDir) + "/" + entry.at("file").get<std::string>(),
                       entry.at("n_layer"), entry.at("nextn_predict_layers"), lists_this_release(entry.at("loads_in")),
                       lists_this_release(entry.at("runs_in"))});
    }
    return out;
}

std::vector<Fixture> loaded() {
    std::vector<Fixture> out;
    for (const Fixture& f : manifest())
        if (f.loads) out.push_back(f);
    return out;
}

std::vector<Fixture> refused() {
    std::vector<Fixture> out;
    for (const Fixture& f : manifest())
        if (!f.loads) out.push_back(f);
    return out;
}

std::vector<Fixture> with_trunk() {
    std::vector<Fixture> out;
    for (const Fixture& f : manifest())
        if (f.runs && f.layout != "mtp") out.push_back(f);  // an MTP-only file cannot decode on its own
    return out;
}

std::vector<Fixture> bundled_with_head() {
    std::vector<Fixture> out;
    for (const Fixture& f : manifest())
        if (f.runs && f.layout == "bundled" && f.nextn > 0) out.push_back(f);
    return out;
}

std::string sibling(const Fixture& bundled, const std::string& layout) {
    return std::string(fixtures::kFixturesDir) + "/" + bundled.arch + "-" + layout + (bundled.quantized ? "-q" : "") +
           ".gguf";
}

std::string test_name(const testing::TestParamInfo<Fixture>& info) {
    std::string name = info.param.arch + "_" + info.param.layout + (info.param.quantized ? "_q" : "");
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

// Fixed prompt tokens (any ids below the fixtures' 256-token vocabulary).
const std::vector<int32_t> kTokens = {1, 5, 9, 3, 7};

void expect_finite(const std::vector<float>& logits) {
    ASSERT_FALSE(logits.empty());
    for (size_t i = 0; i < logits.size(); ++i) ASSERT_TRUE(std::isfinite(logits[i])) << "logit " << i;
}

// llama.cpp's log is noise while tests pass and the first clue when one fails.
class OracleTest : public testing::TestWithParam<Fixture> {
protected:
    void SetUp() override {
        oracle::init();
        oracle::take_log();
    }
    void TearDown() override {
        const std::string log = oracle::take_log();
        if (HasFailure()) std::cerr << "---- llama.cpp log ----\n" << log << "---- end of log ----\n";
    }
};

TEST(OracleManifest, ListsEveryFixture) {
    const auto all = manifest();
    ASSERT_FALSE(all.empty()) << "no fixtures in " << fixtures::kFixturesManifest;
    EXPECT_FALSE(bundled_with_head().empty());
}

using Loads = OracleTest;
TEST_P(Loads, WithAndWithoutMtpLayers) {
    const Fixture& f = GetParam();
    for (bool load_mtp : {false, true}) {
        SCOPED_TRACE(load_mtp ? "load_mtp=true" : "load_mtp=false");
        const auto counts = oracle::load_counts(f.path, load_mtp);
        ASSERT_TRUE(counts.has_value()) << counts.error();
        EXPECT_EQ(counts->n_layer, f.n_layer);
        EXPECT_EQ(counts->n_layer_nextn, f.nextn);
    }
}
INSTANTIATE_TEST_SUITE_P(Fixtures, Loads, testing::ValuesIn(loaded()), test_name);

// A layout a newer convert writes that this release's loader cannot take
// (nemotron_h_moe's latent MTP projections in v0.4.0): it must refuse it, or
// the manifest's release list is wrong.
using Refuses = OracleTest;
TEST_P(Refuses, WithAndWithoutMtpLayers) {
    for (bool load_mtp : {false, true}) {
        SCOPED_TRACE(load_mtp ? "load_mtp=true" : "load_mtp=false");
        const auto counts = oracle::load_counts(GetParam().path, load_mtp);
        EXPECT_FALSE(counts.has_value()) << "loaded with " << counts->n_layer << " layers, " << counts->n_layer_nextn
                                         << " NextN";
    }
}
INSTANTIATE_TEST_SUITE_P(Fixtures, Refuses, testing::ValuesIn(refused()), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Refuses);

using Decodes = OracleTest;
TEST_P(Decodes, ToFiniteLogits) {
    for (bool load_mtp : {false, true}) {
        SCOPED_TRACE(load_mtp ? "load_mtp=true" : "load_mtp=false");
        const auto logits = oracle::last_logits(GetParam().path, load_mtp, kTokens);
        ASSERT_TRUE(logits.has_value()) << logits.error();
        expect_finite(*logits);
    }
}
INSTANTIATE_TEST_SUITE_P(Fixtures, Decodes, testing::ValuesIn(with_trunk()), test_name);

using MtpDraft = OracleTest;
TEST_P(MtpDraft, BundledEqualsTrunkPlusMtpOnlyHead) {
    const Fixture& bundled = GetParam();
    const int32_t next_token = 4;
    const auto own_head = oracle::mtp_draft_logits(bundled.path, "", kTokens, next_token);
    ASSERT_TRUE(own_head.has_value()) << own_head.error();
    // One draft per head: K chained heads (step35) draft K tokens.
    ASSERT_EQ(own_head->size(), static_cast<size_t>(bundled.nextn));
    for (const auto& logits : *own_head) expect_finite(logits);
    // Chained heads are distinct blocks: a head that repeats head 0 means
    // the layer offset went unheeded.
    for (size_t head = 1; head < own_head->size(); ++head)
        EXPECT_NE((*own_head)[head], (*own_head)[0]) << "head " << head << " drafts as head 0";
    const auto separate_head =
        oracle::mtp_draft_logits(sibling(bundled, "trunk"), sibling(bundled, "mtp"), kTokens, next_token);
    ASSERT_TRUE(separate_head.has_value()) << separate_head.error();
    ASSERT_EQ(separate_head->size(), own_head->size());
    // Same weights, same graph, same backend: the logits agree bit for bit,
    // head after head.
    for (size_t head = 0; head < own_head->size(); ++head)
        EXPECT_EQ((*own_head)[head], (*separate_head)[head]) << "head " << head;
}
INSTANTIATE_TEST_SUITE_P(Fixtures, MtpDraft, testing::ValuesIn(bundled_with_head()), test_name);

}  // namespace
