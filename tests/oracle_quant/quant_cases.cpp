#include "quant_cases.h"

#include <cmath>
#include <random>

namespace quant_cases {
namespace {

enum class Values { normal, heavy_tailed, zero_rows, tiny, huge, outlier };
enum class Importance { none, uniform, random, with_zeros };

const char* name(Values v) {
    switch (v) {
        case Values::normal: return "normal";
        case Values::heavy_tailed: return "heavy";
        case Values::zero_rows: return "zerorows";
        case Values::tiny: return "tiny";
        case Values::huge: return "huge";
        case Values::outlier: return "outlier";
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
        for (Values v : {Values::normal, Values::heavy_tailed, Values::zero_rows, Values::tiny, Values::huge, Values::outlier}) {
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

}  // namespace quant_cases
