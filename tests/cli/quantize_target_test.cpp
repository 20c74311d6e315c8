// quantize --target-size and --target-bpw on a synthetic llama of a few MiB
// (6 blocks of 256-wide rows, heavy-tailed weights, an imatrix): outputs fit
// the target and fill it, the choice does not depend on threads or runs,
// the full importance-weighted error is no worse than the llama-quantize
// preset of the same size, and the written rules give the same bytes back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_runner.h"
#include "gguf/imatrix/imatrix.h"
#include "gguf/quality/error_stats.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/split/model.h"
#include "imatrix_files.h"
#include "test_support.h"

namespace {

using gguf_test::gguf_mtp;
using gguf_test::TempDir;

constexpr uint64_t kEmbd = 256, kFeedForward = 512, kVocab = 512;
constexpr uint32_t kBlocks = 6;

// F16 rows of normal values with a per-tensor scale and rare outliers, so
// tensors differ in what a bit saves.
gguf::PlannedTensor weights(const std::string& name, uint64_t ne0, uint64_t ne1, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> unit(0.0f, 1.0f);
    const float scale = 0.02f * std::exp(2.0f * unit(rng));
    std::vector<float> values(ne0 * ne1);
    for (float& v : values) v = scale * normal(rng) * (unit(rng) < 0.01f ? 8.0f : 1.0f);
    gguf::PlannedTensor t;
    t.info.name = name;
    t.info.type = gguf::TensorType::F16;
    t.info.n_dims = 2;
    t.info.ne = {ne0, ne1, 1, 1};
    t.info.n_bytes = *gguf::tensor_bytes(t.info.type, t.info.ne);
    std::vector<uint8_t> bytes(t.info.n_bytes);
    EXPECT_TRUE(gguf::quantize_rows(gguf::TensorType::F16, values, ne0, {}, bytes));
    t.source = gguf::FillSource([bytes](std::span<uint8_t> out) {
        std::copy(bytes.begin(), bytes.end(), out.begin());
        return gguf::Status{};
    });
    return t;
}

gguf::PlannedTensor norm(const std::string& name) {
    gguf::PlannedTensor t;
    t.info.name = name;
    t.info.type = gguf::TensorType::F32;
    t.info.n_dims = 1;
    t.info.ne = {kEmbd, 1, 1, 1};
    t.info.n_bytes = kEmbd * 4;
    t.source = gguf::FillSource([](std::span<uint8_t> out) {
        const float one = 1.0f;
        for (size_t i = 0; i < out.size(); i += 4) std::memcpy(out.data() + i, &one, 4);
        return gguf::Status{};
    });
    return t;
}

void write_model(const std::string& path) {
    gguf::Plan plan;
    auto& md = plan.metadata;
    md.append("general.architecture", gguf::Value::string("llama"));
    md.append("llama.block_count", gguf::Value::u32(kBlocks));
    md.append("llama.embedding_length", gguf::Value::u32(kEmbd));
    md.append("llama.feed_forward_length", gguf::Value::u32(kFeedForward));
    md.append("llama.attention.head_count", gguf::Value::u32(4));
    md.append("llama.attention.head_count_kv", gguf::Value::u32(4));
    uint32_t seed = 1;
    plan.tensors.push_back(weights("token_embd.weight", kEmbd, kVocab, seed++));
    plan.tensors.push_back(norm("output_norm.weight"));
    plan.tensors.push_back(weights("output.weight", kEmbd, kVocab, seed++));
    for (uint32_t b = 0; b < kBlocks; ++b) {
        const std::string p = "blk." + std::to_string(b) + ".";
        plan.tensors.push_back(norm(p + "attn_norm.weight"));
        for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_output"}) plan.tensors.push_back(weights(p + n + ".weight", kEmbd, kEmbd, seed++));
        plan.tensors.push_back(norm(p + "ffn_norm.weight"));
        plan.tensors.push_back(weights(p + "ffn_gate.weight", kEmbd, kFeedForward, seed++));
        plan.tensors.push_back(weights(p + "ffn_up.weight", kEmbd, kFeedForward, seed++));
        plan.tensors.push_back(weights(p + "ffn_down.weight", kFeedForward, kEmbd, seed++));
    }
    gguf_test::write_plan_or_fail(plan, path);
}

// Every tensor of `output` read back into floats against the same tensor of
// `source`, weighted as quantizing weighted it (no imatrix entry: 1).
double weighted_error(const std::string& source, const std::string& output, const gguf::Imatrix& imatrix) {
    auto in = gguf::Model::open(source);
    auto out = gguf::Model::open(output);
    EXPECT_TRUE(in && out);
    auto floats = [](const gguf::Model& m, gguf::TensorRef ref) {
        const auto& info = m.info(ref);
        std::vector<uint8_t> raw(info.n_bytes);
        EXPECT_TRUE(m.shard(ref.shard).read_tensor_data(ref.index, 0, raw));
        std::vector<float> values(info.n_elements());
        EXPECT_TRUE(gguf::dequantize_rows(info.type, raw, info.ne[0], values));
        return values;
    };
    double total = 0;
    for (auto ref : out->tensors()) {
        const auto& info = out->info(ref);
        const auto from = in->find(info.name);
        EXPECT_TRUE(from) << info.name;
        gguf::ErrorStats stats;
        const std::vector<float> weights = imatrix.weights(info.name);
        stats.add_rows(floats(*in, *from), floats(*out, ref), info.ne[0], weights);
        total += stats.weighted_error;
    }
    return total;
}

class QuantizeTarget : public testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir;
        write_model(model());
        auto m = gguf::Model::open(model());
        ASSERT_TRUE(m) << m.error().to_string();
        auto not_embeddings = [](const gguf::TensorInfo& t) { return t.name != "token_embd.weight"; };  // as llama-imatrix collects
        gguf_test::write_plan_or_fail(imatrix_test::gguf_imatrix_plan(imatrix_test::entries_for(*m, not_embeddings), {"calib.txt"}, 4, 512),
                                      imatrix_path());
        auto read = gguf::read_imatrix(imatrix_path());
        ASSERT_TRUE(read) << read.error().to_string();
        imatrix_ = new gguf::Imatrix(std::move(*read));
    }
    static void TearDownTestSuite() {
        delete imatrix_;
        delete dir_;
    }
    static std::string model() { return dir_->file("model.gguf"); }
    static std::string imatrix_path() { return dir_->file("imatrix.gguf"); }
    static std::string file(const std::string& name) { return dir_->file(name); }

    // quantize with the imatrix; the run must succeed.
    static void quantize(std::vector<std::string> args, const std::string& output, const std::string& type, const std::string& threads = "2") {
        args.insert(args.begin(), {"quantize", "--force", "--imatrix", imatrix_path()});
        args.insert(args.end(), {model(), output, type, threads});
        const auto r = gguf_mtp(args);
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    static inline TempDir* dir_ = nullptr;
    static inline gguf::Imatrix* imatrix_ = nullptr;
};

uint64_t size_of(const std::string& path) { return std::filesystem::file_size(path); }

TEST_F(QuantizeTarget, FillsThePresetsSizeWithNoMoreErrorThanThePreset) {
    std::printf("%-8s %12s %12s %8s %14s %14s %14s\n", "preset", "target", "output", "fill", "our error", "K-quants only", "preset error");
    for (const std::string preset : {"Q3_K_M", "Q4_K_M", "Q5_K_M"}) {
        const std::string reference = file(preset + ".gguf");
        quantize({}, reference, preset);
        const uint64_t target = size_of(reference);
        const std::string ours = file(preset + "-target.gguf"), again = file(preset + "-again.gguf");
        quantize({"--target-size", std::to_string(target)}, ours, preset, "1");
        quantize({"--target-size", std::to_string(target)}, again, preset, "2");
        EXPECT_EQ(gguf_test::read_file(ours), gguf_test::read_file(again)) << preset << ": 1 thread and 2 chose differently";

        const uint64_t got = size_of(ours);
        EXPECT_LE(got, target) << preset;
        EXPECT_GE(double(got), 0.97 * double(target)) << preset;
        const double our_error = weighted_error(model(), ours, *imatrix_);
        const double preset_error = weighted_error(model(), reference, *imatrix_);
        // The default candidates add IQ3_S and IQ4_XS with an imatrix; the
        // K-quant ladder alone must beat the preset too.
        const std::string k_only = file(preset + "-k.gguf");
        quantize({"--target-size", std::to_string(target), "--candidates", "Q2_K,Q3_K,Q4_K,Q5_K,Q6_K,Q8_0"}, k_only, preset);
        EXPECT_LE(size_of(k_only), target);
        const double k_error = weighted_error(model(), k_only, *imatrix_);
        std::printf("%-8s %12llu %12llu %7.2f%% %14.6g %14.6g %14.6g\n", preset.c_str(), static_cast<unsigned long long>(target),
                    static_cast<unsigned long long>(got), 100.0 * double(got) / double(target), our_error, k_error, preset_error);
        EXPECT_LE(our_error, preset_error) << preset;
        EXPECT_LE(k_error, preset_error) << preset;
    }
}

TEST_F(QuantizeTarget, SizesBetweenThePresetsFitAndRepeat) {
    const uint64_t model_bytes = size_of(model());
    for (const double share : {0.22, 0.4}) {
        const std::string target = std::to_string(static_cast<uint64_t>(share * double(model_bytes)));
        quantize({"--target-size", target}, file("a.gguf"), "Q4_K_M", "1");
        quantize({"--target-size", target}, file("b.gguf"), "Q4_K_M", "2");
        EXPECT_EQ(gguf_test::read_file(file("a.gguf")), gguf_test::read_file(file("b.gguf"))) << target;
        EXPECT_LE(size_of(file("a.gguf")), std::stoull(target));
        EXPECT_GE(double(size_of(file("a.gguf"))), 0.97 * std::stod(target)) << target;
    }
}

TEST_F(QuantizeTarget, BitsPerWeightCountTheQuantizedTensors) {
    const auto r = gguf_mtp({"quantize", "--dry-run", "--json", "--target-bpw", "4.5", model(), file("o.gguf"), "Q4_K_M"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The plan's own numbers: bytes over weights of every tensor not kept.
    uint64_t bytes = 0, weights = 0;
    auto m = gguf::Model::open(model());
    ASSERT_TRUE(m);
    for (auto ref : m->tensors()) {
        const auto& info = m->info(ref);
        if (info.n_dims < 2) continue;  // the norms, kept
        weights += info.n_elements();
    }
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& t : doc["tensors"]) {
        if (t["why"] != "kept") bytes += t["bytes_out"].get<uint64_t>();
        EXPECT_TRUE(t.contains("predicted_error")) << t.dump();
    }
    const double bpw = 8.0 * double(bytes) / double(weights);
    EXPECT_LE(bpw, 4.5);
    EXPECT_GE(bpw, 0.97 * 4.5);
}

TEST_F(QuantizeTarget, TheWrittenTypeFileGivesTheSameBytes) {
    quantize({"--target-size", "2.5MB", "--write-tensor-type-file", file("types.txt")}, file("chosen.gguf"), "Q4_K_M");
    quantize({"--tensor-type-file", file("types.txt")}, file("replayed.gguf"), "Q4_K_M");
    EXPECT_EQ(gguf_test::read_file(file("chosen.gguf")), gguf_test::read_file(file("replayed.gguf")));
    const auto lines = gguf_test::read_file(file("types.txt"));
    const std::string text(lines.begin(), lines.end());
    EXPECT_NE(text.find("^blk\\.0\\.attn_q\\.weight$="), std::string::npos) << text;
}

TEST_F(QuantizeTarget, RefusesWhatItCannotDo) {
    const auto below = gguf_mtp({"quantize", "--target-size", "100K", model(), file("x.gguf"), "Q4_K_M"});
    EXPECT_EQ(below.exit_code, 2);
    EXPECT_NE(below.err.find("the target of 100000 bytes is below the smallest output the candidate types reach, "), std::string::npos)
        << below.err;
    EXPECT_EQ(std::count(below.err.begin(), below.err.end(), '\n'), 1) << below.err;

    const auto unknown = gguf_mtp({"quantize", "--target-size", "2M", "--candidates", "Q4_K,Q9_K", model(), file("x.gguf"), "Q4_K_M"});
    EXPECT_EQ(unknown.exit_code, 2);
    EXPECT_EQ(unknown.err, "gguf-mtp: error: --candidates: 'Q9_K' is not a ggml type (q4_K, q8_0, iq4_xs, ...)\n");

    const auto both = gguf_mtp({"quantize", "--target-size", "2M", "--target-bpw", "4", model(), file("x.gguf"), "Q4_K_M"});
    EXPECT_EQ(both.exit_code, 2);
    EXPECT_EQ(both.err, "gguf-mtp: error: --target-size and --target-bpw do not combine\n");

    const auto size = gguf_mtp({"quantize", "--target-size", "2.5Q", model(), file("x.gguf"), "Q4_K_M"});
    EXPECT_EQ(size.exit_code, 2);
    EXPECT_FALSE(std::filesystem::exists(file("x.gguf")));
}

}  // namespace
