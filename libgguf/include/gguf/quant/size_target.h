// quantize --target-size and --target-bpw: a type for every free tensor
// (one the preset would give its default type) so that the output fits a
// size while the total importance-weighted squared error, as
// candidate_errors.h measures it, is as small as the search finds.
//
// The search is a multiple-choice knapsack: a Lagrangian relaxation (every
// tensor takes the type minimising error + lambda * bytes, lambda bisected
// until the total fits), then greedy upgrades, best error saved per extra
// byte first, while they fit. Ties go to the earlier tensor and the cheaper
// type, so the same measurements always give the same choice.
//
// Thread safety: choose_within is a function of its arguments;
// plan_quantize_to_size measures on MeasureOptions::threads threads and
// gives the same plan whatever their count.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "gguf/error.h"
#include "gguf/plan/writer.h"
#include "gguf/quant/candidate_errors.h"
#include "gguf/quant/quantize_plan.h"

namespace gguf {

// One knapsack item's options: what each costs and the error it leaves.
struct KnapsackOption {
    uint64_t cost = 0;
    double error = 0;
};

// One option per item (its index) with total cost at most `budget` and a
// small total error; nullopt when even the cheapest options exceed it.
std::optional<std::vector<size_t>> choose_within(std::span<const std::vector<KnapsackOption>> items, uint64_t budget);

// Either the output's size in bytes (every shard, headers and padding
// included) or bits per weight over the tensors the preset quantizes (their
// bytes * 8 / their elements, kept tensors left out).
struct SizeTarget {
    uint64_t file_bytes = 0;
    double bits_per_weight = 0;
};

struct SizedPlan {
    QuantizePlan plan;                     // built with the chosen types
    std::vector<double> predicted_error;   // parallel to plan.tensors: 0 for copies
    double total_error = 0;
    size_t free_tensors = 0;
    uint64_t file_bytes = 0;               // the output's size, from its layout
    double bits_per_weight = 0;            // as SizeTarget defines it
    uint64_t largest_file_bytes = 0;       // with every free tensor at its largest candidate
    double largest_bits_per_weight = 0;
};

// Plans `options` (whose chosen_types must be empty) with the types of its
// free tensors chosen to fit `target`; `layout` gives the output's name and
// split as the writer will use them. An error when even every free
// tensor's smallest candidate does not fit, saying the smallest size reachable.
Result<SizedPlan> plan_quantize_to_size(const Model& model, const QuantizeOptions& options, const SizeTarget& target,
                                        const MeasureOptions& measure, const WriteOptions& layout);

}  // namespace gguf
