// The error measures `compare` prints and --target-size minimises, against
// the same sums written out in double.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "gguf/quality/error_stats.h"
#include "gguf/quality/row_sample.h"

namespace gguf {
namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

TEST(ErrorStats, MatchesTheDefinitionsInDouble) {
    const uint64_t row = 64;
    auto ref = random_values(row * 5, 1);
    auto other = ref;
    auto noise = random_values(ref.size(), 2);
    for (size_t i = 0; i < other.size(); ++i) other[i] += 0.01f * noise[i];
    auto weights = random_values(row, 3);
    for (float& w : weights) w = std::fabs(w);

    ErrorStats stats;
    stats.add_rows(ref, other, row, weights);

    double e = 0, r = 0, o = 0, dot = 0, we = 0, wr = 0, worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double d = double(ref[i]) - double(other[i]);
        e += d * d;
        r += double(ref[i]) * ref[i];
        o += double(other[i]) * other[i];
        dot += double(ref[i]) * other[i];
        we += weights[i % row] * d * d;
        wr += weights[i % row] * double(ref[i]) * ref[i];
        worst = std::max(worst, std::fabs(d));
    }
    EXPECT_EQ(stats.values, ref.size());
    EXPECT_NEAR(stats.relative_rms(), std::sqrt(e / r), 1e-12);
    EXPECT_NEAR(stats.weighted_relative_rms(), std::sqrt(we / wr), 1e-12);
    EXPECT_NEAR(stats.cosine(), dot / std::sqrt(r * o), 1e-12);
    EXPECT_EQ(stats.max_abs_error, worst);
}

TEST(ErrorStats, MergingPartsEqualsAddingTheWhole) {
    const uint64_t row = 32;
    auto ref = random_values(row * 8, 4);
    auto other = random_values(row * 8, 5);
    ErrorStats whole;
    whole.add_rows(ref, other, row);
    ErrorStats first, second;
    const size_t half = row * 3;
    first.add_rows(std::span(ref).first(half), std::span(other).first(half), row);
    second.add_rows(std::span(ref).subspan(half), std::span(other).subspan(half), row);
    first.merge(second);
    EXPECT_EQ(first.values, whole.values);
    EXPECT_NEAR(first.relative_rms(), whole.relative_rms(), 1e-12);
    EXPECT_NEAR(first.cosine(), whole.cosine(), 1e-12);
}

TEST(ErrorStats, IdenticalRowsHaveNoErrorAndNonFiniteValuesAreCountedApart) {
    std::vector<float> ref = {1, 2, std::numeric_limits<float>::quiet_NaN(), 4};
    ErrorStats stats;
    stats.add_rows(ref, ref, 4);
    EXPECT_EQ(stats.values, 3u);
    EXPECT_EQ(stats.non_finite, 1u);
    EXPECT_EQ(stats.relative_rms(), 0.0);
    EXPECT_DOUBLE_EQ(stats.cosine(), 1.0);

    ErrorStats zeros;
    std::vector<float> zero(4, 0.0f), one(4, 1.0f);
    zeros.add_rows(zero, one, 4);
    EXPECT_TRUE(std::isinf(zeros.relative_rms()));
    EXPECT_EQ(zeros.cosine(), 0.0);
}

TEST(RowSample, SpreadsDistinctRowsAndTakesAllWhenAskedForMore) {
    for (uint64_t rows : {1ull, 7ull, 100ull, 4096ull, 1ull << 40}) {
        for (uint64_t wanted : {1ull, 3ull, 64ull}) {
            auto picked = sampled_rows(rows, wanted);
            ASSERT_EQ(picked.size(), std::min(rows, wanted));
            std::set<uint64_t> distinct(picked.begin(), picked.end());
            EXPECT_EQ(distinct.size(), picked.size());
            EXPECT_LT(picked.back(), rows);
        }
    }
    EXPECT_EQ(sampled_rows(5, 0), (std::vector<uint64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(sampled_rows(4, 2), (std::vector<uint64_t>{1, 3}));
}

}  // namespace
}  // namespace gguf
