// gguf-mtp's quantize plans against llama_model_quantize of the reference
// llama.cpp: the same file, byte for byte (keys, tensor order, every type the
// mixture rules choose, every quantized block), for every preset, with and
// without an importance matrix, pure and mixed, and with llama-quantize's
// options. Then gguf-mtp's own MTP options, checked against what llama.cpp
// writes for the bundled model.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <random>

#include "gguf/mtp/mtp.h"
#include "gguf/quant/quant_mixture.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/quant/quantize_plan.h"
#include "gguf/plan/writer.h"
#include "gguf_fixtures.h"
#include "oracle_llama.h"
#include "test_support.h"

namespace {

// What writes the tests' quantize plans: two threads, as on the oracle's side.
gguf::TensorTransformer* quantizer() {
    static const std::shared_ptr<gguf::Quantizer> threads = gguf::make_quantizer(2);
    return &gguf::as_transformer(*threads);
}

// An imatrix file with an entry for every quantizable tensor of `model`
// (per expert for 3-D tensors) except those `skip` names, written as
// llama-imatrix writes it.
void write_imatrix(const gguf::Model& model, const std::string& path, const std::function<bool(const std::string&)>& skip = {}) {
    gguf::Plan plan;
    plan.metadata.append("general.type", gguf::Value::string("imatrix"));
    plan.metadata.append("imatrix.datasets", gguf::Value::string_array(std::vector<std::string>{"calibration.txt"}));
    plan.metadata.append("imatrix.chunk_count", gguf::Value::u32(7));
    plan.metadata.append("imatrix.chunk_size", gguf::Value::u32(512));
    uint32_t seed = 1;
    for (auto ref : model.tensors()) {
        const auto& t = model.info(ref);
        if (!gguf::tensor_allows_quantization(t) || (skip && skip(t.name))) continue;
        const uint64_t matrices = std::max<uint64_t>(t.ne[2], 1);
        auto add = [&](const std::string& name, uint64_t ne0, uint64_t ne1, std::vector<float> values) {
            gguf::TensorInfo info;
            info.name = name;
            info.n_dims = 2;
            info.ne = {ne0, ne1, 1, 1};
            info.n_bytes = ne0 * ne1 * 4;
            plan.tensors.push_back({info, gguf::FillSource([values](std::span<uint8_t> out) -> gguf::Status {
                                        std::memcpy(out.data(), values.data(), out.size());
                                        return {};
                                    })});
        };
        std::vector<float> sums(t.ne[0] * matrices), counts(matrices);
        std::mt19937 rng(seed++);
        for (auto& v : sums) v = std::uniform_real_distribution<float>(0.0f, 50.0f)(rng);
        for (size_t j = 0; j < counts.size(); ++j) counts[j] = j == 1 ? 0.0f : float(100 + 10 * j);  // an expert never routed to
        add(t.name + ".in_sum2", t.ne[0], matrices, sums);
        add(t.name + ".counts", 1, matrices, counts);
    }
    gguf_test::write_plan_or_fail(plan, path);
}

// One configuration, applied to both sides.
using Configure = std::function<void(gguf::QuantizeOptions&, oracle::QuantizeParams&)>;

struct Run {
    gguf_test::TempDir dir;
    std::optional<gguf::Model> model;
    std::optional<gguf::Imatrix> imatrix;
    gguf::QuantizeOptions ours;
    oracle::QuantizeParams theirs;
};

// Sets up both sides for `preset` on `model_file`; the imatrix as
// llama-quantize passes it, after --include-weights / --exclude-weights.
void prepare(Run& run, const std::string& model_file, const std::string& preset_name, bool with_imatrix, const Configure& configure) {
    const gguf::QuantPreset* preset = gguf::find_preset(preset_name);
    ASSERT_NE(preset, nullptr) << preset_name;
    auto model = gguf::Model::open(fixtures::path(model_file));
    ASSERT_TRUE(model) << model.error().to_string();
    run.model = std::move(*model);
    run.ours.preset = preset;
    run.ours.release = oracle::release();
    run.theirs.ftype = static_cast<uint32_t>(preset->file_type);
    run.theirs.only_copy = preset->copy_only;
    const std::string imatrix_path = run.dir.file("imatrix.gguf");
    if (with_imatrix) {
        write_imatrix(*run.model, imatrix_path);
        auto m = gguf::read_imatrix(imatrix_path);
        ASSERT_TRUE(m) << m.error().to_string();
        run.imatrix = std::move(*m);
        run.ours.imatrix = &*run.imatrix;
        run.ours.imatrix_path = imatrix_path;
    }
    if (configure) configure(run.ours, run.theirs);
    if (!run.imatrix) return;
    auto selected = [&](const std::string& name) {
        auto has = [&](const std::vector<std::string>& parts) {
            return std::any_of(parts.begin(), parts.end(), [&](const auto& p) { return name.find(p) != std::string::npos; });
        };
        return !has(run.ours.exclude_weights) && (run.ours.include_weights.empty() || has(run.ours.include_weights));
    };
    for (const auto& [name, entry] : run.imatrix->entries) {
        if (selected(name)) run.theirs.importance.emplace_back(name, run.imatrix->weights(name));
    }
    if (run.theirs.importance.empty()) return;
    using K = oracle::KeyOverride::Kind;
    run.theirs.keys.push_back({"quantize.imatrix.file", K::text, imatrix_path});
    run.theirs.keys.push_back({"quantize.imatrix.dataset", K::text, run.imatrix->datasets.front()});
    run.theirs.keys.push_back({"quantize.imatrix.entries_count", K::integer, "", static_cast<int64_t>(run.theirs.importance.size())});
    run.theirs.keys.push_back({"quantize.imatrix.chunks_count", K::integer, "", run.imatrix->chunk_count});
}

void expect_same_bytes(const std::string& ours, const std::string& theirs) {
    const auto a = gguf_test::read_file(ours);
    const auto b = gguf_test::read_file(theirs);
    EXPECT_EQ(a.size(), b.size()) << ours;
    size_t first = 0;
    while (first < std::min(a.size(), b.size()) && a[first] == b[first]) ++first;
    EXPECT_EQ(first, a.size()) << "first difference at byte " << first << " of " << ours;
    if (a != b && std::getenv("GGUF_MTP_KEEP")) {  // keep both files to inspect a difference
        std::filesystem::copy_file(ours, "/tmp/ours.gguf", std::filesystem::copy_options::overwrite_existing);
        std::filesystem::copy_file(theirs, "/tmp/theirs.gguf", std::filesystem::copy_options::overwrite_existing);
    }
}

// Both sides quantize; refusals must agree, outputs must be the same bytes.
void expect_same_as_llama_quantize(const std::string& model_file, const std::string& preset, bool with_imatrix,
                                   const Configure& configure = {}) {
    Run run;
    ASSERT_NO_FATAL_FAILURE(prepare(run, model_file, preset, with_imatrix, configure));
    // The oracle is not told about gguf-mtp's policy: make ours stop where it stops.
    run.ours.missing_importance = {gguf::MissingImportanceAction::error};
    auto plan = gguf::plan_quantize(*run.model, run.ours);
    if (!plan && plan.error().code == gguf::ErrorCode::unsupported) GTEST_SKIP() << plan.error().message;
    auto theirs = oracle::quantize(fixtures::path(model_file), run.dir.file("theirs.gguf"), run.theirs);
    if (!plan) {
        EXPECT_FALSE(theirs) << "gguf-mtp refused what llama-quantize accepts: " << plan.error().to_string();
        return;
    }
    ASSERT_TRUE(theirs) << "llama-quantize refused what gguf-mtp accepted: " << theirs.error();
    gguf::WriteOptions write;
    write.output = run.dir.file("ours.gguf");
    write.transformer = quantizer();
    auto written = gguf::write_plan(plan->plan, write);
    ASSERT_TRUE(written) << written.error().to_string();
    expect_same_bytes(run.dir.file("ours.gguf"), run.dir.file("theirs.gguf"));
}

// --- every preset, pure and mixed, with and without an imatrix ---------------

struct PresetCase {
    std::string model;
    std::string preset;
    bool pure;
};

void PrintTo(const PresetCase& c, std::ostream* os) { *os << c.model << " " << c.preset << (c.pure ? " pure" : ""); }

std::vector<PresetCase> preset_cases() {
    std::vector<PresetCase> out;
    for (const char* model : {"glm4moe-wide-bundled.gguf", "qwen35moe-bundled.gguf", "qwen35-bundled.gguf", "llama-bundled.gguf",
                              "deepseek2-bundled.gguf"}) {
        for (const auto& p : gguf::quant_presets()) {
            // The dense model is the largest fixture: the 1-2 bit presets' search
            // takes seconds a case on it, and their per-layer rule (the first
            // eighth of ffn_down) is the one Q2_K_S and IQ3_XXS check there too.
            const bool dense = std::string_view(model) == "qwen35-bundled.gguf";
            if (dense && p.name.starts_with("IQ") && (p.name[2] == '1' || p.name[2] == '2')) continue;
            for (bool pure : {false, true}) {
                // --pure only changes which type each tensor gets, the same way on
                // every model; one MoE model checks it, the mixed rules need all five.
                if (pure && (p.copy_only || std::string_view(model) != "glm4moe-wide-bundled.gguf")) continue;
                out.push_back({model, std::string(p.name), pure});
            }
        }
    }
    return out;
}

class Presets : public testing::TestWithParam<PresetCase> {};

Configure purity(bool pure) {
    return [pure](gguf::QuantizeOptions& o, oracle::QuantizeParams& p) { o.pure = p.pure = pure; };
}

TEST_P(Presets, SameFileAsLlamaQuantize) { expect_same_as_llama_quantize(GetParam().model, GetParam().preset, false, purity(GetParam().pure)); }
TEST_P(Presets, SameFileAsLlamaQuantizeWithImatrix) {
    expect_same_as_llama_quantize(GetParam().model, GetParam().preset, true, purity(GetParam().pure));
}

INSTANTIATE_TEST_SUITE_P(All, Presets, testing::ValuesIn(preset_cases()), [](const auto& info) {
    std::string n = info.param.model.substr(0, info.param.model.find('.')) + "_" + info.param.preset + (info.param.pure ? "_pure" : "");
    for (auto& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return n;
});

// --- llama-quantize's options -------------------------------------------------

int ggml_id(gguf::TensorType t) { return static_cast<int>(t); }

struct OptionCase {
    std::string name;
    std::string preset;
    bool imatrix;
    Configure configure;
};

void PrintTo(const OptionCase& c, std::ostream* os) { *os << c.name; }

std::vector<OptionCase> option_cases() {
    using T = gguf::TensorType;
    using K = oracle::KeyOverride::Kind;
    auto rules = [](std::vector<std::pair<std::string, T>> list) {
        return [list](gguf::QuantizeOptions& o, oracle::QuantizeParams& p) {
            for (const auto& [pattern, type] : list) {
                o.rules.push_back({pattern, type});
                p.tensor_types.emplace_back(pattern, ggml_id(type));
            }
        };
    };
    return {
        {"OutputTensorType", "Q4_K_M", false,
         [](auto& o, auto& p) { o.output_tensor_type = T::Q8_0; p.output_tensor_type = ggml_id(T::Q8_0); }},
        {"TokenEmbeddingType", "Q4_K_M", false,
         [](auto& o, auto& p) { o.token_embedding_type = T::Q4_0; p.token_embedding_type = ggml_id(T::Q4_0); }},
        {"BothHeadTypes", "IQ2_XXS", true,
         [](auto& o, auto& p) {
             o.output_tensor_type = T::Q8_0; p.output_tensor_type = ggml_id(T::Q8_0);
             o.token_embedding_type = T::IQ4_NL; p.token_embedding_type = ggml_id(T::IQ4_NL);
         }},
        {"LeaveOutputTensor", "Q3_K_M", false, [](auto& o, auto& p) { o.leave_output_tensor = p.leave_output_tensor = true; }},
        {"TensorTypeFirstMatchWins", "Q4_K_M", false, rules({{"attn_v", T::Q8_0}, {"ffn_.*", T::Q5_K}, {"blk\\.1\\.", T::IQ4_NL}})},
        {"TensorTypeSkipsTheCounters", "Q3_K_M", false, rules({{"blk\\.0\\.attn_v", T::Q8_0}})},
        {"TensorTypeWithPure", "Q5_K_M", false,
         [rules](auto& o, auto& p) { rules({{"ffn_down", T::Q6_K}})(o, p); o.pure = p.pure = true; }},
        {"TensorTypeNeedsFallback", "Q8_0", false, rules({{"ffn_down_exps", T::Q2_K}, {"attn_output", T::IQ4_XS}})},
        {"PruneLayers", "Q4_K_M", false, [](auto& o, auto& p) { o.prune_layers = {1}; p.prune_layers = {1}; }},
        {"PruneFirstLayer", "Q4_0", true, [](auto& o, auto& p) { o.prune_layers = {0}; p.prune_layers = {0}; }},
        {"OverrideKv", "Q8_0", false,
         [](auto& o, auto& p) {
             for (const char* text : {"general.name=str:renamed", "test.count=int:-3", "test.flag=bool:true",
                                      "test.scale=float:0.25"}) {
                 auto k = gguf::parse_key_override(text);
                 ASSERT_TRUE(k) << k.error().to_string();
                 o.key_overrides.push_back(*k);
             }
             p.keys.push_back({"general.name", K::text, "renamed"});
             p.keys.push_back({"test.count", K::integer, "", -3});
             p.keys.push_back({"test.flag", K::boolean, "", 0, 0, true});
             p.keys.push_back({"test.scale", K::floating, "", 0, 0.25});
         }},
        {"IncludeWeights", "Q4_K_M", true, [](auto& o, auto&) { o.include_weights = {"attn"}; }},
        {"ExcludeWeights", "IQ4_XS", true, [](auto& o, auto&) { o.exclude_weights = {"ffn", "output"}; }},
        {"ExcludeEverything", "Q4_0", true, [](auto& o, auto&) { o.exclude_weights = {"weight"}; }},
        {"Copy", "COPY", false, {}},
        {"CopyIgnoresRules", "COPY", false, rules({{"attn", T::Q8_0}})},
    };
}

class Options : public testing::TestWithParam<OptionCase> {};

TEST_P(Options, SameFileAsLlamaQuantize) {
    for (const char* model : {"glm4moe-wide-bundled.gguf", "llama-bundled.gguf"}) {
        SCOPED_TRACE(model);
        expect_same_as_llama_quantize(model, GetParam().preset, GetParam().imatrix, GetParam().configure);
    }
}

INSTANTIATE_TEST_SUITE_P(LlamaQuantize, Options, testing::ValuesIn(option_cases()), [](const auto& info) { return info.param.name; });

// A requantization from an already-quantized model, allowed explicitly.
TEST(Requantize, SameFileAsLlamaQuantize) {
    auto allow = [](gguf::QuantizeOptions& o, oracle::QuantizeParams& p) { o.allow_requantize = p.allow_requantize = true; };
    expect_same_as_llama_quantize("glm4moe-wide-bundled-q.gguf", "Q4_K_M", false, allow);
}

// --keep-split on a split input: one output shard per input shard, full keys
// in the first only.
TEST(KeepSplit, SameShardsAsLlamaQuantize) {
    gguf_test::TempDir dir;
    auto source = gguf::Model::open(fixtures::path("glm4moe-wide-bundled.gguf"));
    ASSERT_TRUE(source);
    gguf::WriteOptions split;
    split.output = dir.file("in.gguf");
    split.split.max_tensors = 9;
    auto shards = gguf::write_plan(gguf::plan_copy(*source), split);
    ASSERT_TRUE(shards) << shards.error().to_string();
    ASSERT_GT(shards->files.size(), 2u);
    auto model = gguf::Model::open(shards->files.front().path);
    ASSERT_TRUE(model) << model.error().to_string();

    gguf::QuantizeOptions ours;
    ours.release = oracle::release();
    ours.preset = gguf::find_preset("Q4_K_M");
    ours.keep_split = true;
    ours.missing_importance = {gguf::MissingImportanceAction::error};
    auto plan = gguf::plan_quantize(*model, ours);
    ASSERT_TRUE(plan) << plan.error().to_string();
    gguf::WriteOptions write;
    write.output = dir.file("ours.gguf");
    write.fixed_shards = plan->shards;
    write.transformer = quantizer();
    auto written = gguf::write_plan(plan->plan, write);
    ASSERT_TRUE(written) << written.error().to_string();

    oracle::QuantizeParams theirs;
    theirs.ftype = static_cast<uint32_t>(gguf::FileType::q4_k_m);
    theirs.keep_split = true;
    // llama-quantize names shards after the output without ".gguf".
    ASSERT_TRUE(oracle::quantize(shards->files.front().path, dir.file("theirs"), theirs));
    ASSERT_EQ(written->files.size(), shards->files.size());
    for (size_t i = 0; i < written->files.size(); ++i) {
        char suffix[64];
        std::snprintf(suffix, sizeof suffix, "-%05zu-of-%05zu.gguf", i + 1, written->files.size());
        expect_same_bytes(written->files[i].path, dir.file(std::string("theirs") + suffix));
    }
}

// --- gguf-mtp's MTP options ---------------------------------------------------

// Every tensor of `file`: name -> (type, data bytes).
std::map<std::string, std::pair<gguf::TensorType, std::vector<uint8_t>>> tensors_of(const std::string& file) {
    std::map<std::string, std::pair<gguf::TensorType, std::vector<uint8_t>>> out;
    auto model = gguf::Model::open(file);
    EXPECT_TRUE(model) << file;
    if (!model) return out;
    for (auto ref : model->tensors()) {
        auto data = model->data(ref);
        out[model->info(ref).name] = {model->info(ref).type, std::vector<uint8_t>(data.begin(), data.end())};
    }
    return out;
}

std::string quantize_ours(const std::string& input, const gguf::QuantizeOptions& options, const std::string& output) {
    auto model = gguf::Model::open(input);
    EXPECT_TRUE(model) << input;
    auto plan = gguf::plan_quantize(*model, options);
    EXPECT_TRUE(plan) << plan.error().to_string();
    if (!plan) return {};
    gguf::WriteOptions write;
    write.output = output;
    write.transformer = quantizer();
    auto written = gguf::write_plan(plan->plan, write);
    EXPECT_TRUE(written) << written.error().to_string();
    return output;
}

struct SplitCase {
    std::string arch;
    std::string preset;
};

void PrintTo(const SplitCase& c, std::ostream* os) { *os << c.arch << " " << c.preset; }

class BundledWith : public testing::TestWithParam<SplitCase> {};

// A trunk quantized with --bundled-with its head, and the head with
// --bundled-with its trunk, hold exactly the tensors (types and bytes) of
// llama-quantize's quant of the bundled model: one head quant pairs with the
// trunk quant as the bundled quant would.
TEST_P(BundledWith, HalvesEqualLlamaQuantizeOfTheBundle) {
    const auto& c = GetParam();
    gguf_test::TempDir dir;
    oracle::QuantizeParams theirs;
    const gguf::QuantPreset* preset = gguf::find_preset(c.preset);
    theirs.ftype = static_cast<uint32_t>(preset->file_type);
    ASSERT_TRUE(oracle::quantize(fixtures::path(c.arch + "-bundled.gguf"), dir.file("bundled.gguf"), theirs));
    const auto bundled = tensors_of(dir.file("bundled.gguf"));

    auto trunk = gguf::Model::open(fixtures::path(c.arch + "-trunk.gguf"));
    auto head = gguf::Model::open(fixtures::path(c.arch + "-mtp.gguf"));
    ASSERT_TRUE(trunk && head);
    gguf::QuantizeOptions options;
    options.release = oracle::release();
    options.preset = preset;
    options.bundled_with = &*head;
    const auto trunk_q = tensors_of(quantize_ours(fixtures::path(c.arch + "-trunk.gguf"), options, dir.file("trunk.gguf")));
    options.bundled_with = &*trunk;
    const auto head_q = tensors_of(quantize_ours(fixtures::path(c.arch + "-mtp.gguf"), options, dir.file("head.gguf")));
    ASSERT_FALSE(trunk_q.empty());
    ASSERT_FALSE(head_q.empty());
    for (const auto* half : {&trunk_q, &head_q}) {
        for (const auto& [name, tensor] : *half) {
            auto it = bundled.find(name);
            ASSERT_NE(it, bundled.end()) << name;
            EXPECT_EQ(tensor.first, it->second.first) << name;
            EXPECT_TRUE(tensor.second == it->second.second) << name << ": bytes differ";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Mtp, BundledWith,
                         testing::Values(SplitCase{"glm4moe-wide", "Q4_K_M"}, SplitCase{"glm4moe-wide", "Q3_K_M"},
                                         SplitCase{"glm4moe-wide", "Q5_K_M"}, SplitCase{"qwen35moe", "Q4_K_M"},
                                         SplitCase{"deepseek2", "Q3_K_M"}, SplitCase{"step35", "Q4_K_S"},
                                         // Dense, 16 + 1 blocks: the per-layer rules count tensors, not blocks.
                                         SplitCase{"qwen35", "Q4_K_M"}, SplitCase{"qwen35", "Q3_K_M"},
                                         SplitCase{"qwen35", "Q5_K_M"}, SplitCase{"qwen35", "IQ4_XS"}),
                         [](const auto& info) {
                             std::string n = info.param.arch + "_" + info.param.preset;
                             for (auto& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                             return n;
                         });

// On a dense model the per-layer rules count tensors instead of reading the
// block number: an MTP-only head quantized alone is layer 0 of its own model,
// inside the bundle it is the last layer. So --bundled-with changes the head's
// types, and the qwen35 cases above compare more than the alone quant.
TEST(BundledWith, DenseHeadAloneIsItsOwnFirstLayer) {
    auto trunk = gguf::Model::open(fixtures::path("qwen35-trunk.gguf"));
    auto head = gguf::Model::open(fixtures::path("qwen35-mtp.gguf"));
    ASSERT_TRUE(trunk && head);
    gguf::QuantizeOptions options;
    options.release = oracle::release();
    options.preset = gguf::find_preset("Q3_K_M");
    options.bundled_with = &*trunk;
    auto plan = gguf::plan_quantize(*head, options);
    ASSERT_TRUE(plan) << plan.error().to_string();
    std::map<std::string, std::pair<gguf::TensorType, gguf::TensorType>> changed;  // name -> (alone, bundled)
    for (const auto& q : plan->tensors) {
        if (q.alone) changed[q.tensor] = {*q.alone, q.to};
    }
    using T = gguf::TensorType;
    const std::map<std::string, std::pair<T, T>> expected = {{"blk.16.ffn_down.weight", {T::Q5_K, T::Q4_K}},
                                                             {"blk.16.attn_v.weight", {T::Q5_K, T::Q4_K}}};
    EXPECT_EQ(changed, expected);
}

// The user's case: a bundled model, an imatrix without entries for the MTP
// block (llama-imatrix never runs it), an IQ2_XXS quant. llama-quantize stops;
// gguf-mtp by default gives the MTP tensors that need importance data the
// fallback type, and every other tensor exactly what llama-quantize writes
// when it does have the entries.
TEST(ImatrixMissing, DefaultFallbackFinishesIq2xxsOnABundledModel) {
    gguf_test::TempDir dir;
    const std::string input = fixtures::path("glm4moe-wide-bundled.gguf");
    auto model = gguf::Model::open(input);
    ASSERT_TRUE(model);
    auto summary = gguf::summarize_mtp(*model);
    ASSERT_TRUE(summary);
    const std::string mtp_prefix = "blk." + std::to_string(summary->blocks.front()) + ".";
    write_imatrix(*model, dir.file("trunk-only.imatrix"), [&](const std::string& n) { return n.rfind(mtp_prefix, 0) == 0; });
    write_imatrix(*model, dir.file("full.imatrix"));
    auto partial = gguf::read_imatrix(dir.file("trunk-only.imatrix"));
    auto full = gguf::read_imatrix(dir.file("full.imatrix"));
    ASSERT_TRUE(partial && full);

    // llama.cpp with the partial imatrix refuses.
    oracle::QuantizeParams theirs;
    theirs.ftype = static_cast<uint32_t>(gguf::FileType::iq2_xxs);
    for (const auto& [name, e] : partial->entries) theirs.importance.emplace_back(name, partial->weights(name));
    EXPECT_FALSE(oracle::quantize(input, dir.file("refused.gguf"), theirs));
    // ... and with the full one it succeeds: the reference for the trunk.
    theirs.importance.clear();
    for (const auto& [name, e] : full->entries) theirs.importance.emplace_back(name, full->weights(name));
    ASSERT_TRUE(oracle::quantize(input, dir.file("reference.gguf"), theirs));
    const auto reference = tensors_of(dir.file("reference.gguf"));

    gguf::QuantizeOptions options;
    options.release = oracle::release();
    options.preset = gguf::find_preset("IQ2_XXS");
    options.imatrix = &*partial;
    options.imatrix_path = dir.file("trunk-only.imatrix");
    auto plan = gguf::plan_quantize(*model, options);
    ASSERT_TRUE(plan) << plan.error().to_string();
    size_t replaced = 0;
    for (const auto& q : plan->tensors) {
        if (q.importance != gguf::ImportanceUse::replaced) continue;
        ++replaced;
        EXPECT_TRUE(q.in_mtp_block) << q.tensor;
        EXPECT_TRUE(gguf::refused_without_imatrix(q.tensor, q.choice.type, gguf::FileType::iq2_xxs)) << q.tensor;
        EXPECT_EQ(q.to, *gguf::fallback_type(model->info(*model->find(q.tensor)), gguf::TensorType::Q4_K)) << q.tensor;
    }
    EXPECT_GT(replaced, 0u);
    gguf::WriteOptions write;
    write.output = dir.file("ours.gguf");
    write.transformer = quantizer();
    ASSERT_TRUE(gguf::write_plan(plan->plan, write));
    for (const auto& [name, tensor] : tensors_of(dir.file("ours.gguf"))) {
        if (name.rfind(mtp_prefix, 0) == 0) continue;
        const auto& ref = reference.at(name);
        EXPECT_EQ(tensor.first, ref.first) << name;
        EXPECT_TRUE(tensor.second == ref.second) << name << ": bytes differ";
    }
}

}  // namespace
