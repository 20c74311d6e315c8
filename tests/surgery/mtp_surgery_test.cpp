// MTP surgery on the fixtures: strip and extract reproduce what convert
// --no-mtp / --mtp write, byte for byte; merge gives the bundled model back
// from any pairing of trunk and head files, split or not; every check that
// keeps a head from the wrong trunk refuses with the key and both values.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"
#include "gguf/split/split_naming.h"
#include "gguf/plan/writer.h"
#include "gguf_fixtures.h"
#include "test_support.h"

using gguf_test::TempDir;
using gguf_test::open_or_die;

namespace {


// Architectures whose fixtures come in all three convert layouts.
std::vector<std::string> mtp_architectures_with_fixtures() {
    std::ifstream in(fixtures::kFixturesManifest);
    std::vector<std::string> out;
    for (const auto& e : nlohmann::json::parse(in)) {
        if (e.at("layout") == "mtp" && !e.at("quantized")) out.push_back(e.at("arch"));
    }
    return out;
}

gguf::SplitLimits limits_of(uint64_t max_bytes, uint32_t max_tensors) {
    gguf::SplitLimits limits;
    limits.max_bytes = max_bytes;
    limits.max_tensors = max_tensors;
    return limits;
}

gguf::Result<gguf::WriteReport> write(const gguf::Result<gguf::Plan>& plan, const std::string& path, gguf::SplitLimits split = {}) {
    if (!plan) return std::unexpected(plan.error());
    gguf::WriteOptions o;
    o.output = path;
    o.split = split;
    return gguf::write_plan(*plan, o);
}

struct Variant {
    std::string arch;
    bool quantized;
    std::string file(const std::string& layout) const { return fixtures::path(arch + "-" + layout + (quantized ? "-q" : "") + ".gguf"); }
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.arch << (v.quantized ? " (quantized)" : ""); }

std::vector<Variant> variants() {
    std::vector<Variant> out;
    for (const auto& arch : mtp_architectures_with_fixtures()) {
        out.push_back({arch, false});
        out.push_back({arch, true});
    }
    return out;
}

class ConvertLayouts : public testing::TestWithParam<Variant> {};

TEST_P(ConvertLayouts, StripAndExtractWriteWhatConvertWrites) {
    const Variant& v = GetParam();
    TempDir dir;
    const gguf::Model bundled = open_or_die(v.file("bundled"));
    auto strip = write(gguf::plan_strip(bundled), dir.file("trunk.gguf"));
    ASSERT_TRUE(strip.has_value()) << strip.error().to_string();
    EXPECT_EQ(gguf_test::read_file(dir.file("trunk.gguf")), gguf_test::read_file(v.file("trunk"))) << "strip != convert --no-mtp";
    auto extract = write(gguf::plan_extract(bundled), dir.file("mtp.gguf"));
    ASSERT_TRUE(extract.has_value()) << extract.error().to_string();
    EXPECT_EQ(gguf_test::read_file(dir.file("mtp.gguf")), gguf_test::read_file(v.file("mtp"))) << "extract != convert --mtp";
}

TEST_P(ConvertLayouts, MergeOfTrunkAndHeadIsTheBundledModel) {
    const Variant& v = GetParam();
    TempDir dir;
    auto merged = write(gguf::plan_merge(open_or_die(v.file("trunk")), open_or_die(v.file("mtp"))), dir.file("merged.gguf"));
    ASSERT_TRUE(merged.has_value()) << merged.error().to_string();
    EXPECT_EQ(gguf_test::read_file(dir.file("merged.gguf")), gguf_test::read_file(v.file("bundled")));
}

TEST_P(ConvertLayouts, RoundTripThroughSplitSetsIsByteExact) {
    const Variant& v = GetParam();
    TempDir dir;
    const gguf::Model bundled = open_or_die(v.file("bundled"));
    auto strip = write(gguf::plan_strip(bundled), dir.file("trunk"), limits_of(0, 5));
    ASSERT_TRUE(strip.has_value()) << strip.error().to_string();
    auto extract = write(gguf::plan_extract(bundled), dir.file("head"), limits_of(4096, 0));
    ASSERT_TRUE(extract.has_value()) << extract.error().to_string();
    ASSERT_GT(strip->files.size(), 1u);

    // Any shard names its set; the merged output may itself be split.
    const gguf::Model trunk = open_or_die(strip->files.back().path);
    const gguf::Model head = open_or_die(extract->files.front().path);
    auto merged = write(gguf::plan_merge(trunk, head), dir.file("merged"), limits_of(0, 7));
    ASSERT_TRUE(merged.has_value()) << merged.error().to_string();
    auto joined = write(gguf::plan_copy(open_or_die(merged->files[0].path)), dir.file("joined.gguf"));
    ASSERT_TRUE(joined.has_value()) << joined.error().to_string();
    EXPECT_EQ(gguf_test::read_file(dir.file("joined.gguf")), gguf_test::read_file(v.file("bundled")));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ConvertLayouts, testing::ValuesIn(variants()), [](const testing::TestParamInfo<Variant>& info) {
    std::string name = info.param.arch + (info.param.quantized ? "_quantized" : "");
    for (auto& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return name;
});

TEST(Merge, OneHeadServesATrunkOfAnotherQuantization) {
    TempDir dir;
    const gguf::Model trunk = open_or_die(fixtures::path("glm4moe-trunk-q.gguf"));
    const gguf::Model head = open_or_die(fixtures::path("glm4moe-mtp.gguf"));
    auto merged = write(gguf::plan_merge(trunk, head), dir.file("merged.gguf"));
    ASSERT_TRUE(merged.has_value()) << merged.error().to_string();
    const gguf::Model out = open_or_die(dir.file("merged.gguf"));
    auto mtp = gguf::summarize_mtp(out);
    ASSERT_TRUE(mtp.has_value());
    EXPECT_EQ(mtp->layout, gguf::MtpLayout::bundled);
    // The trunk's tensors and keys (its file type) with the head's blocks.
    EXPECT_EQ(out.tensors().size(), trunk.tensors().size() + mtp->tensors);
    for (auto ref : trunk.tensors()) {
        auto found = out.find(trunk.info(ref).name);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(out.info(*found).type, trunk.info(ref).type) << trunk.info(ref).name;
    }
    EXPECT_EQ(*out.metadata().find("general.file_type"), *trunk.metadata().find("general.file_type"));
}

// A head made different in one respect, to check each pairing rule.
class Pairing : public testing::Test {
protected:
    std::string head_with(const std::function<void(gguf::Plan&)>& change) {
        auto plan = gguf::plan_copy(head_);
        change(plan);
        const std::string path = dir_.file("head" + std::to_string(++count_) + ".gguf");
        gguf_test::write_plan_or_fail(plan, path);
        return path;
    }
    gguf::Error merge_error(const std::string& trunk, const std::string& head) {
        auto plan = gguf::plan_merge(open_or_die(trunk), open_or_die(head));
        EXPECT_FALSE(plan.has_value());
        return plan ? gguf::Error{} : plan.error();
    }
    TempDir dir_;
    gguf::Model head_ = open_or_die(fixtures::path("qwen35moe-mtp.gguf"));
    const std::string trunk_ = fixtures::path("qwen35moe-trunk.gguf");
    int count_ = 0;
};

TEST_F(Pairing, ArchitectureMustMatch) {
    auto e = merge_error(fixtures::path("glm4moe-trunk.gguf"), fixtures::path("qwen35moe-mtp.gguf"));
    EXPECT_EQ(e.code, gguf::ErrorCode::mismatch);
    EXPECT_NE(e.message.find("general.architecture is \"qwen35moe\" in the head but \"glm4moe\" in the trunk"), std::string::npos)
        << e.to_string();
}

TEST_F(Pairing, EmbeddingLengthMustMatch) {
    auto head = head_with([](gguf::Plan& p) { p.metadata.set("qwen35moe.embedding_length", gguf::Value::u32(128)); });
    auto e = merge_error(trunk_, head);
    EXPECT_NE(e.message.find("qwen35moe.embedding_length is 128 in the head but 64 in the trunk"), std::string::npos) << e.to_string();
}

TEST_F(Pairing, VocabularyMustMatch) {
    auto head = head_with([](gguf::Plan& p) {
        auto tokens = *p.metadata.find("tokenizer.ggml.tokens")->string_elements();
        tokens.pop_back();
        p.metadata.set("tokenizer.ggml.tokens", gguf::Value::string_array(tokens));
    });
    auto e = merge_error(trunk_, head);
    EXPECT_NE(e.message.find("vocabulary size (tokenizer.ggml.tokens) is 255 in the head but 256 in the trunk"), std::string::npos)
        << e.to_string();
}

TEST_F(Pairing, TokenizerMustMatch) {
    auto head = head_with([](gguf::Plan& p) {
        auto tokens = *p.metadata.find("tokenizer.ggml.tokens")->string_elements();
        tokens[10] = "changed";
        p.metadata.set("tokenizer.ggml.tokens", gguf::Value::string_array(tokens));
    });
    auto e = merge_error(trunk_, head);
    EXPECT_NE(e.message.find("the tokenizer (tokenizer.* keys) hashes to"), std::string::npos) << e.to_string();
    EXPECT_NE(gguf::tokenizer_hash(open_or_die(head).metadata()), gguf::tokenizer_hash(head_.metadata()));
}

TEST_F(Pairing, TrunkMustHaveTheBlocksTheHeadWasMadeFor) {
    const gguf::Model trunk = open_or_die(trunk_);  // the plan copies from it: keep it open
    auto plan = gguf::plan_copy(trunk);
    plan.metadata.set("qwen35moe.block_count", gguf::Value::u32(3));
    gguf_test::write_plan_or_fail(plan, dir_.file("short-trunk.gguf"));
    auto e = merge_error(dir_.file("short-trunk.gguf"), fixtures::path("qwen35moe-mtp.gguf"));
    EXPECT_NE(e.message.find("the head's MTP block is blk.4 (made for a trunk of 4 blocks) but qwen35moe.block_count of the trunk is 3"),
              std::string::npos)
        << e.to_string();
}

TEST_F(Pairing, TrunkWithItsOwnHeadAndBundledHeadAreRefused) {
    auto own = merge_error(fixtures::path("qwen35moe-bundled.gguf"), fixtures::path("qwen35moe-mtp.gguf"));
    EXPECT_NE(own.message.find("strip it before merging"), std::string::npos) << own.to_string();
    auto bundled_head = merge_error(trunk_, fixtures::path("qwen35moe-bundled.gguf"));
    EXPECT_NE(bundled_head.message.find("is not an MTP head file"), std::string::npos) << bundled_head.to_string();
}

TEST(Surgery, ModelsWithoutAHeadAreRefusedClearly) {
    const gguf::Model plain = open_or_die(fixtures::path("llama-bundled.gguf"));
    auto extract = gguf::plan_extract(plain);
    ASSERT_FALSE(extract.has_value());
    EXPECT_NE(extract.error().message.find("has no MTP blocks"), std::string::npos);
    EXPECT_TRUE(extract.error().message.ends_with(": nothing to extract")) << extract.error().to_string();
    auto strip = gguf::plan_strip(plain);
    ASSERT_FALSE(strip.has_value());
    EXPECT_TRUE(strip.error().message.ends_with(": nothing to strip")) << strip.error().to_string();
    auto merge = gguf::plan_merge(open_or_die(fixtures::path("glm4moe-trunk.gguf")), plain);
    ASSERT_FALSE(merge.has_value());
    EXPECT_TRUE(merge.error().message.ends_with(": not an MTP head to merge")) << merge.error().to_string();
    auto head_only = gguf::plan_strip(open_or_die(fixtures::path("deepseek2-mtp.gguf")));
    ASSERT_FALSE(head_only.has_value());
    EXPECT_NE(head_only.error().message.find("already an MTP-only head"), std::string::npos);
}

TEST(Surgery, MissingRequiredNextnTensorIsNamed) {
    TempDir dir;
    const gguf::Model bundled = open_or_die(fixtures::path("glm4moe-bundled.gguf"));  // the plan copies from it
    auto plan = gguf::plan_copy(bundled);
    std::erase_if(plan.tensors, [](const gguf::PlannedTensor& t) { return t.info.name == "blk.2.nextn.enorm.weight"; });
    gguf_test::write_plan_or_fail(plan, dir.file("broken.gguf"));
    auto extract = gguf::plan_extract(open_or_die(dir.file("broken.gguf")));
    ASSERT_FALSE(extract.has_value());
    EXPECT_NE(extract.error().message.find("lacks tensor 'blk.2.nextn.enorm.weight'"), std::string::npos) << extract.error().to_string();
}

// What the byte comparisons above check for deepseek4, spelled out: strip
// keeps the compression ratios convert copies from the config (the MTP
// block's trailing 0 included) but cuts the per-block arrays, and the head
// carries the hyper-connection head among its block, where convert puts the
// MTP checkpoint's own.
TEST(Surgery, DeepseekV4KeepsConfigArraysAndCarriesTheHyperConnectionHead) {
    const gguf::Model bundled = open_or_die(fixtures::path("deepseek4-bundled.gguf"));
    auto trunk = gguf::plan_strip(bundled);
    ASSERT_TRUE(trunk.has_value()) << trunk.error().to_string();
    EXPECT_EQ(trunk->metadata.find("deepseek4.attention.compress_ratios")->array_size(), 3u);
    EXPECT_EQ(trunk->metadata.find("deepseek4.swiglu_clamp_exp")->array_size(), 2u);
    auto head = gguf::plan_extract(bundled);
    ASSERT_TRUE(head.has_value()) << head.error().to_string();
    std::vector<std::string> names;
    for (const auto& t : head->tensors) names.push_back(t.info.name);
    const auto at = [&](const std::string& name) { return std::ranges::find(names, name) - names.begin(); };
    ASSERT_LT(at("output_hc_fn.weight"), static_cast<long>(names.size()));
    EXPECT_EQ(at("output_hc_base.weight") + 1, at("output_hc_fn.weight"));
    EXPECT_EQ(at("output_hc_scale.weight") + 1, at("blk.2.nextn.hnorm.weight"));
    EXPECT_GT(at("output_hc_base.weight"), at("blk.2.hc_ffn_scale.weight"));
}

TEST(SizeLabel, FollowsConvertsNotation) {
    auto label = [](std::vector<std::pair<std::string, std::array<uint64_t, 4>>> shapes) {
        std::vector<gguf::TensorInfo> t;
        for (auto& [name, ne] : shapes) {
            gguf::TensorInfo i;
            i.name = name;
            i.ne = ne;
            i.n_dims = ne[2] > 1 ? 3 : ne[1] > 1 ? 2 : 1;
            t.push_back(i);
        }
        return gguf::size_label_for(t);
    };
    EXPECT_EQ(label({{"a.weight", {106816, 1, 1, 1}}}), "107K");
    EXPECT_EQ(label({{"a.weight", {1500000, 1000, 1, 1}}}), "1.5B");
    EXPECT_EQ(label({{"a.weight", {5600000, 1, 1, 1}}}), "5.6M");
    EXPECT_EQ(label({{"a.weight", {500, 1, 1, 1}}}), "0.50K");
    EXPECT_EQ(label({{"blk.0.ffn_up_exps.weight", {64, 32, 8, 1}}, {"blk.0.attn_q.weight", {64, 64, 1, 1}}}), "8x6.1K");
}

}  // namespace
