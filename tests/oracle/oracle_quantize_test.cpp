// gguf-mtp quantize --pure against llama_model_quantize with pure = true:
// the same file, byte for byte (keys, tensor order, every quantized block),
// with and without an importance matrix, for every preset whose types the
// quantize core already writes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include "gguf/quantize.h"
#include "gguf/quantize_plan.h"
#include "gguf/writer.h"
#include "gguf_fixtures.h"
#include "oracle_llama.h"
#include "test_support.h"

namespace {

std::string fixture(const std::string& name) { return std::string(fixtures::kFixturesDir) + "/" + name; }

struct Case {
    std::string model;
    std::string preset;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " " << c.preset; }

std::vector<Case> cases() {
    std::vector<Case> out;
    for (const char* model : {"glm4moe-wide-bundled.gguf", "qwen35moe-bundled.gguf", "llama-bundled.gguf"}) {
        for (const char* preset : {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_S", "Q6_K", "IQ4_NL",
                                   "IQ4_XS", "IQ3_S", "IQ3_XXS", "IQ2_S", "IQ2_XS", "IQ2_XXS", "IQ1_S", "IQ1_M", "TQ1_0", "TQ2_0",
                                   "MXFP4_MOE", "BF16", "F16"}) {
            out.push_back({model, preset});
        }
    }
    return out;
}

// An imatrix file with an entry for every quantizable tensor of `model`
// (per expert for 3-D tensors), written as llama-imatrix writes it.
void write_imatrix(const gguf::Model& model, const std::string& path) {
    gguf::Plan plan;
    plan.metadata.append("general.type", gguf::Value::string("imatrix"));
    plan.metadata.append("imatrix.datasets", gguf::Value::string_array(std::vector<std::string>{"calibration.txt"}));
    plan.metadata.append("imatrix.chunk_count", gguf::Value::u32(7));
    plan.metadata.append("imatrix.chunk_size", gguf::Value::u32(512));
    uint32_t seed = 1;
    for (auto ref : model.tensors()) {
        const auto& t = model.info(ref);
        if (!gguf::tensor_allows_quantization(t)) continue;
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

class PureQuantize : public testing::TestWithParam<Case> {};

void expect_same_as_llama_quantize(const Case& c, bool with_imatrix) {
    const gguf::QuantPreset* preset = gguf::find_preset(c.preset);
    ASSERT_NE(preset, nullptr);
    gguf_test::TempDir dir;
    auto model = gguf::Model::open(fixture(c.model));
    ASSERT_TRUE(model);
    std::optional<gguf::Imatrix> imatrix;
    const std::string imatrix_path = dir.file("imatrix.gguf");
    if (with_imatrix) {
        write_imatrix(*model, imatrix_path);
        auto m = gguf::read_imatrix(imatrix_path);
        ASSERT_TRUE(m) << m.error().to_string();
        imatrix = std::move(*m);
    }
    gguf::PureQuantizeOptions options;
    options.preset = preset;
    options.imatrix = imatrix ? &*imatrix : nullptr;
    options.imatrix_path = imatrix_path;
    auto plan = gguf::plan_quantize_pure(*model, options, gguf::make_quantizer(2));
    if (!plan && plan.error().code == gguf::ErrorCode::unsupported) GTEST_SKIP() << plan.error().message;
    std::vector<std::pair<std::string, std::vector<float>>> importance;
    std::vector<oracle::KeyOverride> keys;
    if (imatrix) {
        for (const auto& [name, entry] : imatrix->entries) importance.emplace_back(name, imatrix->weights(name));
        keys.push_back({"quantize.imatrix.file", imatrix_path});
        keys.push_back({"quantize.imatrix.dataset", imatrix->datasets.front()});
        keys.push_back({"quantize.imatrix.entries_count", "", static_cast<int64_t>(imatrix->entries.size()), true});
        keys.push_back({"quantize.imatrix.chunks_count", "", imatrix->chunk_count, true});
    }
    auto theirs = oracle::quantize(fixture(c.model), dir.file("theirs.gguf"), preset->file_type, true, 2, importance, keys);
    if (!plan) {
        // Refusals must be llama-quantize's refusals (no imatrix for a very-low-bit type).
        EXPECT_FALSE(theirs) << "gguf-mtp refused what llama-quantize accepts: " << plan.error().to_string();
        return;
    }
    ASSERT_TRUE(theirs) << "llama-quantize refused what gguf-mtp accepted: " << theirs.error();
    gguf::WriteOptions write;
    write.output = dir.file("ours.gguf");
    auto written = gguf::write_plan(plan->plan, write);
    ASSERT_TRUE(written) << written.error().to_string();

    const auto a = gguf_test::read_file(dir.file("ours.gguf"));
    const auto b = gguf_test::read_file(dir.file("theirs.gguf"));
    EXPECT_EQ(a.size(), b.size());
    size_t first = 0;
    while (first < std::min(a.size(), b.size()) && a[first] == b[first]) ++first;
    EXPECT_EQ(first, a.size()) << "first difference at byte " << first;
    if (a != b && std::getenv("GGUF_MTP_KEEP")) {  // keep both files to inspect a difference
        std::filesystem::copy_file(dir.file("ours.gguf"), "/tmp/ours.gguf", std::filesystem::copy_options::overwrite_existing);
        std::filesystem::copy_file(dir.file("theirs.gguf"), "/tmp/theirs.gguf", std::filesystem::copy_options::overwrite_existing);
    }
}

TEST_P(PureQuantize, SameFileAsLlamaQuantize) { expect_same_as_llama_quantize(GetParam(), false); }
TEST_P(PureQuantize, SameFileAsLlamaQuantizeWithImatrix) { expect_same_as_llama_quantize(GetParam(), true); }

INSTANTIATE_TEST_SUITE_P(Presets, PureQuantize, testing::ValuesIn(cases()), [](const auto& info) {
    std::string n = info.param.model.substr(0, info.param.model.find('.')) + "_" + info.param.preset;
    for (auto& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return n;
});

}  // namespace
