// compare's measures against an independent computation: every tensor of
// both models turned into floats by the reference ggml's to_float
// (libggml-base.so of the oracle release), the importance weights taken
// from the imatrix entries as written, and each measure computed here in
// double from its definition. Models: the generated fixtures and their
// synthetic quant mixes (every type the generator writes), and files
// `gguf-mtp quantize` made from them with an imatrix.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "cli_runner.h"
#include "gguf/quality/compare.h"
#include "gguf/quality/row_sample.h"
#include "gguf_fixtures.h"
#include "imatrix_files.h"
#include "oracle_ggml.h"
#include "test_support.h"

namespace {

using gguf_test::gguf_mtp;
using gguf_test::TempDir;

struct Sums {
    double ref2 = 0, other2 = 0, dot = 0, err2 = 0, wref2 = 0, werr2 = 0, max_abs = 0;
};

std::vector<float> ggml_floats(const gguf::Model& model, gguf::TensorRef ref) {
    const gguf::TensorInfo& t = model.info(ref);
    const auto bytes = model.data(ref);
    if (t.type == gguf::TensorType::F32) {  // ggml has no to_float for F32: the bytes are the floats
        std::vector<float> out(t.n_elements());
        std::memcpy(out.data(), bytes.data(), bytes.size());
        return out;
    }
    return oracle_ggml::dequantize(t.type, bytes, static_cast<int64_t>(t.ne[0]), static_cast<int64_t>(t.n_elements() / t.ne[0]));
}

// Weights per matrix, as llama-quantize derives them from an entry: sums over
// the matrix's count, 1 for a matrix never routed to.
std::map<std::string, std::vector<double>> weights_of(const std::vector<imatrix_test::GgufEntry>& entries) {
    std::map<std::string, std::vector<double>> out;
    for (const auto& e : entries) {
        auto& w = out[e.name];
        for (size_t i = 0; i < e.sums.size(); ++i) {
            const float count = e.counts[i / e.row];
            w.push_back(count > 0 ? static_cast<double>(e.sums[i] / count) : 1.0);
        }
    }
    return out;
}

Sums expected(const std::vector<float>& a, const std::vector<float>& b, const gguf::TensorInfo& t, const std::vector<double>* weights,
              const std::vector<uint64_t>& rows) {
    Sums s;
    const uint64_t n = t.ne[0];
    for (uint64_t row : rows) {
        const uint64_t matrix = row / t.ne[1];
        for (uint64_t i = 0; i < n; ++i) {
            const double r = a[row * n + i], o = b[row * n + i], d = r - o;
            const double w = !weights ? 1.0 : (*weights)[(weights->size() == n ? 0 : matrix) * n + i];
            s.ref2 += r * r, s.other2 += o * o, s.dot += r * o, s.err2 += d * d;
            s.wref2 += w * r * r, s.werr2 += w * d * d;
            s.max_abs = std::max(s.max_abs, std::fabs(d));
        }
    }
    return s;
}

void expect_near_relative(double got, double want, const std::string& what) {
    EXPECT_LE(std::fabs(got - want), 1e-6 * std::max(std::fabs(want), 1e-30)) << what << ": " << got << " vs " << want;
}

double ratio_root(double err, double ref) { return ref == 0 ? (err == 0 ? 0 : INFINITY) : std::sqrt(err / ref); }

struct Case {
    const char* name;
    const char* reference;
    const char* other;          // a fixture, or empty: quantize the reference to `preset`
    const char* preset;
    uint64_t sample;
};

class CompareOracle : public testing::TestWithParam<Case> {};

TEST_P(CompareOracle, MeasuresMatchGgmlsFloatsAndTheDefinitions) {
    const Case& c = GetParam();
    TempDir dir;
    const std::string reference_path = fixtures::path(c.reference);
    auto reference = gguf::Model::open(reference_path);
    ASSERT_TRUE(reference) << reference.error().to_string();
    const auto entries = imatrix_test::entries_for(*reference, [](const gguf::TensorInfo&) { return true; });
    const std::string imatrix_path = dir.file("im.gguf");
    gguf_test::write_plan_or_fail(imatrix_test::gguf_imatrix_plan(entries, {"calib.txt"}, 4, 512), imatrix_path);

    std::string other_path = fixtures::path(c.other);
    if (std::string(c.other).empty()) {
        other_path = dir.file("quant.gguf");
        auto q = gguf_mtp({"quantize", "--imatrix", imatrix_path, reference_path, other_path, c.preset, "2"});
        ASSERT_EQ(q.exit_code, 0) << q.err;
    }
    auto other = gguf::Model::open(other_path);
    ASSERT_TRUE(other) << other.error().to_string();
    auto imatrix = gguf::read_imatrix(imatrix_path);
    ASSERT_TRUE(imatrix) << imatrix.error().to_string();

    auto result = gguf::compare_models(*reference, *other, {c.sample, &*imatrix, 3, {}});
    ASSERT_TRUE(result) << result.error().to_string();
    ASSERT_EQ(result->tensors.size(), reference->tensors().size());
    ASSERT_TRUE(result->skipped.empty() && result->unweighted.empty() && result->shape_mismatches.empty());

    const auto weights = weights_of(entries);
    std::set<gguf::TensorType> types;
    Sums total;
    for (const auto& t : result->tensors) {
        const auto r = *reference->find(t.name), o = *other->find(t.name);
        const gguf::TensorInfo& info = reference->info(r);
        types.insert(other->info(o).type);
        const auto w = weights.find(t.name);
        const auto rows = gguf::sampled_rows(t.rows, c.sample);
        const Sums want = expected(ggml_floats(*reference, r), ggml_floats(*other, o), info, w == weights.end() ? nullptr : &w->second, rows);
        EXPECT_EQ(t.rows_measured, rows.size()) << t.name;
        EXPECT_EQ(t.weighted, w != weights.end()) << t.name;
        expect_near_relative(t.stats.relative_rms(), ratio_root(want.err2, want.ref2), t.name + " relative RMS");
        expect_near_relative(t.stats.weighted_relative_rms(), ratio_root(want.werr2, want.wref2), t.name + " weighted relative RMS");
        if (want.ref2 > 0 && want.other2 > 0) {
            expect_near_relative(t.stats.cosine(), want.dot / std::sqrt(want.ref2 * want.other2), t.name + " cosine");
        }
        expect_near_relative(t.stats.max_abs_error, want.max_abs, t.name + " max abs");
        total.ref2 += want.ref2, total.err2 += want.err2, total.wref2 += want.wref2, total.werr2 += want.werr2;
        total.max_abs = std::max(total.max_abs, want.max_abs);
    }
    expect_near_relative(result->total.stats.relative_rms(), ratio_root(total.err2, total.ref2), "total relative RMS");
    expect_near_relative(result->total.stats.weighted_relative_rms(), ratio_root(total.werr2, total.wref2), "total weighted");
    expect_near_relative(result->total.stats.max_abs_error, total.max_abs, "total max abs");
    EXPECT_GE(types.size(), 3u) << "a case that measures few types proves little";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CompareOracle,
                         testing::Values(Case{"synthetic_mix", "qwen35moe-bundled.gguf", "qwen35moe-bundled-q.gguf", "", 0},
                                         Case{"synthetic_k_quants", "glm4moe-wide-bundled.gguf", "glm4moe-wide-bundled-q.gguf", "", 0},
                                         Case{"sampled", "qwen35-bundled.gguf", "qwen35-bundled-q.gguf", "", 7},
                                         Case{"quantized_q4_k_m", "glm4moe-wide-bundled.gguf", "", "Q4_K_M", 0},
                                         Case{"quantized_iq2_xs", "glm4moe-wide-bundled.gguf", "", "IQ2_XS", 0},
                                         Case{"quantized_sampled", "qwen35moe-bundled.gguf", "", "Q5_K_S", 5}),
                         [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
