// choose_within, the knapsack behind quantize --target-size: against every
// choice of a small instance, and its promises of fit and determinism.
#include <gtest/gtest.h>

#include <random>

#include "gguf/quant/size_target.h"

namespace {

using gguf::KnapsackOption;
using Items = std::vector<std::vector<KnapsackOption>>;

// Items shaped like tensors and quantization types: each dearer option
// leaves roughly a quarter of the error, with noise, in no particular order.
Items random_items(uint32_t seed, size_t count) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> unit(0.5, 1.5);
    Items items(count);
    for (auto& options : items) {
        const double scale = std::exp(4 * unit(rng));
        const uint64_t size = 1 + rng() % 1000;
        for (int bits = 8; bits >= 2; --bits) options.push_back({size * bits, scale * std::pow(0.25, bits) * unit(rng)});
    }
    return items;
}

struct Totals {
    uint64_t cost = 0;
    double error = 0;
};

Totals totals(const Items& items, const std::vector<size_t>& pick) {
    Totals t;
    for (size_t i = 0; i < items.size(); ++i) t.cost += items[i][pick[i]].cost, t.error += items[i][pick[i]].error;
    return t;
}

// The best choice, by trying every one.
double optimum(const Items& items, uint64_t budget) {
    std::vector<size_t> pick(items.size(), 0);
    double best = INFINITY;
    for (;;) {
        const Totals t = totals(items, pick);
        if (t.cost <= budget) best = std::min(best, t.error);
        size_t i = 0;
        while (i < items.size() && ++pick[i] == items[i].size()) pick[i++] = 0;
        if (i == items.size()) return best;
    }
}

TEST(SizeChoice, FitsTheBudgetAndComesCloseToTheBestChoice) {
    for (uint32_t seed = 1; seed <= 20; ++seed) {
        const Items items = random_items(seed, 6);
        uint64_t cheapest = 0, dearest = 0;
        for (const auto& o : items) cheapest += o.back().cost, dearest += o.front().cost;
        for (const double share : {0.1, 0.35, 0.6, 0.9}) {
            const uint64_t budget = cheapest + static_cast<uint64_t>(share * double(dearest - cheapest));
            const auto pick = gguf::choose_within(items, budget);
            ASSERT_TRUE(pick);
            const Totals t = totals(items, *pick);
            EXPECT_LE(t.cost, budget);
            // Greedy after the relaxation is not exact, but near: within
            // one item's step of error of the optimum on these shapes.
            EXPECT_LE(t.error, 2 * optimum(items, budget)) << "seed " << seed << " share " << share;
        }
    }
}

TEST(SizeChoice, TakesTheLeastErrorWhenEverythingFitsAndNothingWhenNothingDoes) {
    const Items items = random_items(7, 40);
    uint64_t cheapest = 0, dearest = 0;
    for (const auto& o : items) cheapest += o.back().cost, dearest += o.front().cost;
    const auto all = gguf::choose_within(items, dearest);
    ASSERT_TRUE(all);
    for (size_t p : *all) EXPECT_EQ(p, 0u);
    const auto least = gguf::choose_within(items, cheapest);
    ASSERT_TRUE(least);
    for (size_t p : *least) EXPECT_EQ(p, items[0].size() - 1);
    EXPECT_FALSE(gguf::choose_within(items, cheapest - 1));
}

TEST(SizeChoice, SpendsTheBudgetAndBreaksTiesTheSameWay) {
    // Identical items: only the tie-break decides which ones get the upgrade.
    const Items items(50, std::vector<KnapsackOption>{{100, 1.0}, {200, 0.25}, {400, 0.0625}});
    for (uint64_t budget : {5000u, 7350u, 12000u, 19999u}) {
        const auto pick = gguf::choose_within(items, budget);
        ASSERT_TRUE(pick);
        const Totals t = totals(items, *pick);
        EXPECT_LE(t.cost, budget);
        EXPECT_GT(t.cost + 200, budget) << "an upgrade that fits was left";
        EXPECT_EQ(*pick, *gguf::choose_within(items, budget));
        for (size_t i = 1; i < pick->size(); ++i) EXPECT_GE((*pick)[i - 1], (*pick)[i]) << "earlier tensors first";
    }
}

}  // namespace
