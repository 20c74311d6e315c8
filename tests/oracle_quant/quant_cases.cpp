#include "quant_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "gguf/quant/cpu/quantize.h"
#include "oracle_ggml.h"

namespace quant_cases {
namespace {

// grid: values on a 0.25 grid, so blocks hold many equal values and near
// ties between trials (where IQ1_M's v0.4.0 and v0.5.0 scoring part ways).
enum class Values { normal, heavy_tailed, zero_rows, tiny, huge, outlier, grid };
enum class Importance { none, uniform, random, with_zeros };

const char* name(Values v) {
    switch (v) {
        case Values::normal: return "normal";
        case Values::heavy_tailed: return "heavy";
        case Values::zero_rows: return "zerorows";
        case Values::tiny: return "tiny";
        case Values::huge: return "huge";
        case Values::outlier: return "outlier";
        case Values::grid: return "grid";
    }
    return "";
}

const char* name(Importance i) {
    switch (i) {
        case Importance::none: return "none";
        case Importance::uniform: return "uniform";
        case Importance::random: return "random";
        case Importance::with_zeros: return "zeros";
    }
    return "";
}

std::vector<float> make_values(Values kind, int64_t rows, int64_t row_length, std::mt19937_64& rng) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::student_t_distribution<float> heavy(2.0f);
    std::vector<float> v(rows * row_length);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t i = 0; i < row_length; ++i) {
            float x = normal(rng);
            switch (kind) {
                case Values::normal: break;
                case Values::heavy_tailed: x = heavy(rng); break;
                case Values::zero_rows: x = r % 2 ? 0.0f : x; break;
                case Values::tiny: x *= 1e-6f; break;
                case Values::huge: x *= 3e4f; break;
                case Values::outlier: x *= 0.02f; break;
                case Values::grid: x = std::round(x * 4) / 4; break;
            }
            v[r * row_length + i] = x;
        }
        if (kind == Values::outlier) v[r * row_length + rng() % row_length] = 40.0f;
    }
    return v;
}

std::vector<float> make_importance(Importance kind, int64_t row_length, std::mt19937_64& rng) {
    std::vector<float> w;
    if (kind == Importance::none) return w;
    std::uniform_real_distribution<float> u(0.0f, 4.0f);
    w.resize(row_length);
    for (auto& x : w) {
        switch (kind) {
            case Importance::uniform: x = 1.0f; break;
            case Importance::random: x = u(rng) * u(rng); break;
            case Importance::with_zeros: x = rng() % 3 == 0 ? 0.0f : u(rng); break;
            case Importance::none: break;
        }
    }
    return w;
}

}  // namespace

std::vector<Case> cases_for(gguf::TensorType type, bool with_importance) {
    const int64_t block = gguf::type_traits(static_cast<uint32_t>(type))->block_size;
    std::vector<int64_t> lengths = {256, 512, 4096, 16384};
    for (int64_t odd : {3, 5, 7, 9}) lengths.push_back(block * odd * (block < 256 ? 8 : 1));
    std::vector<Case> out;
    uint64_t seed = 1;
    for (int64_t length : lengths) {
        if (length % block != 0) continue;
        for (Values v : {Values::normal, Values::heavy_tailed, Values::zero_rows, Values::tiny, Values::huge, Values::outlier, Values::grid}) {
            const std::vector<Importance> importances = with_importance
                ? std::vector<Importance>{Importance::uniform, Importance::random, Importance::with_zeros}
                : std::vector<Importance>{Importance::none};
            for (Importance imp : importances) {
                std::mt19937_64 rng(seed);
                const int64_t rows = length >= 4096 ? 2 : 4;
                Case c;
                c.name = std::string(name(v)) + "_len" + std::to_string(length) + "_seed" + std::to_string(seed) + "_imatrix-" + name(imp);
                c.values = make_values(v, rows, length, rng);
                c.row_length = length;
                c.importance = make_importance(imp, length, rng);
                out.push_back(std::move(c));
                ++seed;
            }
        }
    }
    // The reruns under narrower instruction sets (CMakeLists.txt) take every
    // k-th case: each path still meets every distribution, and the full set
    // runs once on the widest path.
    const char* stride_text = std::getenv("GGUF_MTP_TEST_CASE_STRIDE");
    const size_t stride = stride_text ? std::max(1, std::atoi(stride_text)) : 1;
    if (stride > 1) {
        std::vector<Case> kept;
        for (size_t i = 0; i < out.size(); i += stride) kept.push_back(std::move(out[i]));
        out = std::move(kept);
    }
    return out;
}

std::string first_difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, gguf::TensorType type,
                             int64_t row_length) {
    if (a.size() != b.size()) return "sizes differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
    const auto traits = *gguf::type_traits(static_cast<uint32_t>(type));
    const size_t row_bytes = row_length / traits.block_size * traits.block_bytes;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]) {
            const size_t in_row = i % row_bytes;
            return "row " + std::to_string(i / row_bytes) + " block " + std::to_string(in_row / traits.block_bytes) + " byte " +
                   std::to_string(in_row % traits.block_bytes);
        }
    }
    return "";
}

void expect_quantize_matches_ggml(gguf::TensorType type, bool with_importance) {
    ASSERT_TRUE(gguf::can_quantize(type));
    EXPECT_EQ(gguf::requires_importance(type), oracle_ggml::requires_importance(type));
    const std::string type_name(gguf::type_display_name(type));
    for (const auto& c : cases_for(type, with_importance)) {
        const auto want = oracle_ggml::quantize(type, c.values, c.row_length, c.importance);
        std::vector<uint8_t> got(want.size());
        ASSERT_TRUE(gguf::quantize_rows(type, c.values, c.row_length, c.importance, got, oracle_ggml::release()).has_value()) << type_name << " " << c.name;
        ASSERT_EQ(first_difference(got, want, type, c.row_length), "") << type_name << " " << c.name;
        const int64_t rows = static_cast<int64_t>(c.values.size()) / c.row_length;
        std::vector<float> back(c.values.size());
        ASSERT_TRUE(gguf::dequantize_rows(type, want, c.row_length, back).has_value());
        const auto ref = oracle_ggml::dequantize(type, want, c.row_length, rows);
        ASSERT_EQ(0, std::memcmp(back.data(), ref.data(), back.size() * sizeof(float))) << type_name << " " << c.name;
    }
}

void expect_random_blocks_dequantize_as_ggml(gguf::TensorType type, std::span<const int> half_offsets, uint64_t seed) {
    const auto traits = *gguf::type_traits(static_cast<uint32_t>(type));
    const int64_t row_length = traits.block_size * 64, rows = 16;
    std::vector<uint8_t> bytes(rows * row_length / traits.block_size * traits.block_bytes);
    std::mt19937_64 rng(seed);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    for (size_t at = 0; at < bytes.size(); at += traits.block_bytes) {
        for (int h : half_offsets) bytes[at + h + 1] &= 0xbf;
    }
    std::vector<float> got(rows * row_length);
    ASSERT_TRUE(gguf::dequantize_rows(type, bytes, row_length, got).has_value());
    const auto want = oracle_ggml::dequantize(type, bytes, row_length, rows);
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float))) << gguf::type_display_name(type);
}

std::string type_and_importance_name(const std::tuple<gguf::TensorType, bool>& param) {
    return std::string(gguf::type_display_name(std::get<0>(param))) + (std::get<1>(param) ? "_imatrix" : "_plain");
}

}  // namespace quant_cases
