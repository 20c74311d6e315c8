// OrderedTrials (the IQ1 split searches' shortcut) against the scan it
// stands for: the same winner on random trials full of exact and near ties,
// and on trials with zeros, negatives, infinities, NaNs and extreme sizes,
// in chunks of 8 lanes (AVX2) and of 16 (AVX-512).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>
#include <vector>

#include "quant/cpu/ordered_trials.h"

#if defined(__x86_64__) && defined(__GNUC__)
namespace {

using gguf::quant::Lanes16;
using gguf::quant::Lanes8;
using gguf::quant::OrderedTrials;

constexpr int kPatterns = 3, kChunks = 12;

struct Trial {
    float sumqx, sumq2;
};

// ggml's scan: the best is replaced only by a strictly better trial.
struct Best {
    int at = -1;
    float scale = 0, score = -FLT_MAX;
    void consider(int index, float sumqx, float sumq2) {
        if (sumq2 > 0 && sumqx * sumqx > score * sumq2) {
            scale = sumqx / sumq2;
            score = scale * sumqx;
            at = index;
        }
    }
};

// Trials in scan order: chunk c, lane, pattern; chunk c has counts[c] lanes.
struct Search {
    int width;  // lanes a chunk
    std::vector<int> counts;
    std::vector<Trial> trials;  // [chunk][width][kPatterns], lanes past the count unused

    const Trial& at(int chunk, int lane, int k) const { return trials[(chunk * width + lane) * kPatterns + k]; }
};

Best full_scan(const Search& s) {
    Best best;
    for (int c = 0; c < static_cast<int>(s.counts.size()); ++c) {
        for (int lane = 0; lane < s.counts[c]; ++lane) {
            for (int k = 0; k < kPatterns; ++k) best.consider((c * s.width + lane) * kPatterns + k, s.at(c, lane, k).sumqx, s.at(c, lane, k).sumq2);
        }
    }
    return best;
}

// A lane's position is chunk * width + lane. Compiled for each width's
// instruction set by the wrappers below (as run_simd compiles the searches).
template <class V>
Best replay_with(const Search& s) {
    OrderedTrials<kPatterns, kChunks, V> ordered;
    for (int c = 0; c < static_cast<int>(s.counts.size()); ++c) {
        ordered.add(c * s.width, s.counts[c], [&](V (&qx)[kPatterns], V (&q2)[kPatterns]) {
            for (int k = 0; k < kPatterns; ++k) {
                for (int lane = 0; lane < s.width; ++lane) {
                    // Lanes past the count hold junk the search must ignore.
                    qx[k][lane] = lane < s.counts[c] ? s.at(c, lane, k).sumqx : 1e30f;
                    q2[k][lane] = lane < s.counts[c] ? s.at(c, lane, k).sumq2 : 1e-30f;
                }
            }
        });
    }
    Best best;
    ordered.replay([&](int at, int k, float qx, float q2) { best.consider(at * kPatterns + k, qx, q2); });
    return best;
}

GGUF_MTP_TARGET_AVX2 __attribute__((flatten)) Best replayed8(const Search& s) { return replay_with<Lanes8>(s); }
GGUF_MTP_TARGET_AVX512 __attribute__((flatten)) Best replayed16(const Search& s) { return replay_with<Lanes16>(s); }

Best replayed(const Search& s) { return s.width == 16 ? replayed16(s) : replayed8(s); }

void expect_same_winner(const Search& s) {
    const Best want = full_scan(s), got = replayed(s);
    EXPECT_EQ(got.at, want.at);
    EXPECT_EQ(std::isnan(got.scale) ? 1 : 0, std::isnan(want.scale) ? 1 : 0);
    if (!std::isnan(want.scale)) {
        EXPECT_EQ(got.scale, want.scale);
    }
}

// Widths the CPU runs: 8 with AVX2, 16 too with AVX-512.
std::vector<int> widths() {
    std::vector<int> w;
    if (__builtin_cpu_supports("avx2")) w.push_back(8);
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl")) {
        w.push_back(16);
    }
    return w;
}

Search random_search(std::mt19937& rng, int width, float (*value)(std::mt19937&)) {
    Search s;
    s.width = width;
    const int chunks = 1 + static_cast<int>(rng() % kChunks);
    for (int c = 0; c < chunks; ++c) s.counts.push_back(1 + static_cast<int>(rng() % width));
    s.trials.resize(static_cast<size_t>(chunks) * width * kPatterns);
    for (Trial& t : s.trials) t = {value(rng), std::fabs(value(rng))};
    return s;
}

TEST(OrderedTrials, PicksTheScansWinnerAmongTies) {
    if (widths().empty()) GTEST_SKIP() << "needs AVX2";
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        // Few distinct values: many trials score exactly or nearly alike.
        const Search s = random_search(rng, widths()[i % widths().size()], [](std::mt19937& r) {
            const float coarse = static_cast<float>(static_cast<int>(r() % 9) - 2);
            return coarse * (1 + static_cast<float>(r() % 3) * 0x1p-22f);
        });
        expect_same_winner(s);
    }
}

TEST(OrderedTrials, PicksTheScansWinnerOnWildValues) {
    if (widths().empty()) GTEST_SKIP() << "needs AVX2";
    std::mt19937 rng(11);
    for (int i = 0; i < 20000; ++i) {
        const Search s = random_search(rng, widths()[i % widths().size()], [](std::mt19937& r) {
            const float wild_values[] = {0.f, -0.f, 1.f, -1.f, 0.5f, INFINITY, -INFINITY, NAN, FLT_MAX, FLT_MIN, 1e-45f, 0x1p-41f, 0x1p41f, 3.f};
            return r() % 4 ? std::uniform_real_distribution<float>(-2, 2)(r) : wild_values[r() % std::size(wild_values)];
        });
        expect_same_winner(s);
    }
}

}  // namespace
#endif
