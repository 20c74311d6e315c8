#include "gguf/quant/size_target.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

namespace gguf {
namespace {

// An item's options that some budget makes worth taking: by cost, each
// dearer one with a smaller error (ties: the cheaper, then the earlier).
std::vector<size_t> pareto_front(const std::vector<KnapsackOption>& options) {
    std::vector<size_t> order(options.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return options[a].cost != options[b].cost ? options[a].cost < options[b].cost : options[a].error < options[b].error;
    });
    std::vector<size_t> front;
    for (size_t k : order) {
        if (front.empty() || options[k].error < options[front.back()].error) front.push_back(k);
    }
    return front;
}

struct Knapsack {
    std::span<const std::vector<KnapsackOption>> items;
    std::vector<std::vector<size_t>> fronts;

    const KnapsackOption& at(size_t item, size_t position) const { return items[item][fronts[item][position]]; }

    // Each item's position on its front minimising error + lambda * cost.
    std::vector<size_t> relaxed(double lambda) const {
        std::vector<size_t> pick(fronts.size(), 0);
        for (size_t i = 0; i < fronts.size(); ++i) {
            double best = INFINITY;
            for (size_t p = 0; p < fronts[i].size(); ++p) {
                const double value = at(i, p).error + lambda * double(at(i, p).cost);
                if (value < best) best = value, pick[i] = p;
            }
        }
        return pick;
    }

    uint64_t cost(const std::vector<size_t>& pick) const {
        uint64_t total = 0;
        for (size_t i = 0; i < pick.size(); ++i) total += at(i, pick[i]).cost;
        return total;
    }

    // A lambda at which every item takes its cheapest option.
    double steepest() const {
        double slope = 0;
        for (size_t i = 0; i < fronts.size(); ++i) {
            for (size_t p = 1; p < fronts[i].size(); ++p) {
                slope = std::max(slope, (at(i, p - 1).error - at(i, p).error) / double(at(i, p).cost - at(i, p - 1).cost));
            }
        }
        return 2 * slope + 1;
    }

    // Spends what `pick` leaves of `budget` on the upgrades that save the
    // most error per byte.
    void upgrade(std::vector<size_t>& pick, uint64_t budget) const {
        uint64_t left = budget - cost(pick);
        for (;;) {
            double best_rate = -1;
            size_t best_item = 0, best_position = 0;
            for (size_t i = 0; i < fronts.size(); ++i) {
                const KnapsackOption& now = at(i, pick[i]);
                for (size_t p = pick[i] + 1; p < fronts[i].size(); ++p) {
                    const uint64_t extra = at(i, p).cost - now.cost;
                    if (extra > left) break;
                    const double rate = (now.error - at(i, p).error) / double(extra);
                    if (rate > best_rate) best_rate = rate, best_item = i, best_position = p;
                }
            }
            if (best_rate < 0) return;
            left -= at(best_item, best_position).cost - at(best_item, pick[best_item]).cost;
            pick[best_item] = best_position;
        }
    }
};

uint64_t align_to(uint64_t bytes, uint64_t alignment) { return (bytes + alignment - 1) / alignment * alignment; }

// What the target limits, for the plan it measures: file bytes (all
// shards), or tensor bytes of the quantized tensors.
struct Limit {
    bool by_file = true;
    uint64_t bytes = 0;           // at most this many
    uint64_t elements = 0;        // by bits per weight: the quantized tensors' elements
    uint64_t alignment = 1;       // a tensor's bytes as the limit counts them

    uint64_t counted(uint64_t bytes_out) const { return align_to(bytes_out, alignment); }
    double bits_per_weight(uint64_t tensor_bytes) const { return elements ? 8.0 * double(tensor_bytes) / double(elements) : 0; }
};

uint64_t quantized_bytes(const QuantizePlan& plan) {
    uint64_t total = 0;
    for (const auto& q : plan.tensors) total += q.choice.reason == TypeReason::kept ? 0 : q.bytes_out;
    return total;
}

// What `plan` spends of the limit.
Result<uint64_t> spent(const QuantizePlan& plan, const Limit& limit, const WriteOptions& layout) {
    if (!limit.by_file) return quantized_bytes(plan);
    auto files = layout_plan(plan.plan, layout);
    if (!files) return std::unexpected(files.error());
    uint64_t total = 0;
    for (const auto& f : *files) total += f.file_bytes;
    return total;
}

std::string limit_text(const Limit& limit, uint64_t bytes) {
    if (limit.by_file) return std::to_string(bytes) + " bytes";
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", limit.bits_per_weight(bytes));
    return std::string(text) + " bits per weight";
}

}  // namespace

std::optional<std::vector<size_t>> choose_within(std::span<const std::vector<KnapsackOption>> items, uint64_t budget) {
    Knapsack k{items, {}};
    for (const auto& options : items) k.fronts.push_back(pareto_front(options));
    std::vector<size_t> pick(items.size(), 0);
    if (k.cost(pick) > budget) return std::nullopt;
    double fits = k.steepest(), over = 0;
    if (k.cost(k.relaxed(over)) <= budget) {
        fits = over;
    } else {
        // Bisection on lambda: `fits` keeps a lambda whose picks fit.
        for (int step = 0; step < 200; ++step) {
            const double mid = over + (fits - over) / 2;
            if (mid <= over || mid >= fits) break;
            (k.cost(k.relaxed(mid)) <= budget ? fits : over) = mid;
        }
    }
    pick = k.relaxed(fits);
    k.upgrade(pick, budget);
    for (size_t i = 0; i < pick.size(); ++i) pick[i] = k.fronts[i][pick[i]];
    return pick;
}

Result<SizedPlan> plan_quantize_to_size(const Model& model, const QuantizeOptions& options, const SizeTarget& target,
                                        const MeasureOptions& measure, const WriteOptions& layout) {
    if (!options.chosen_types.empty() || (target.file_bytes > 0) == (target.bits_per_weight > 0)) {
        return fail(ErrorCode::invalid_argument, model.path(), "a size target is either file bytes or bits per weight");
    }
    auto base = plan_quantize(model, options);
    if (!base) return std::unexpected(base.error());
    auto measured = measure_candidates(*base, options, measure);
    if (!measured) return std::unexpected(measured.error());

    Limit limit;
    limit.by_file = target.file_bytes > 0;
    for (size_t i = 0; i < base->tensors.size(); ++i) {
        if (base->tensors[i].choice.reason != TypeReason::kept) limit.elements += base->plan.tensors[i].info.n_elements();
    }
    limit.bytes = limit.by_file ? target.file_bytes : static_cast<uint64_t>(std::floor(target.bits_per_weight * double(limit.elements) / 8));
    if (limit.by_file) limit.alignment = base->plan.alignment();

    // The part no choice changes: what the base plan spends beyond its
    // measured tensors.
    auto base_spent = spent(*base, limit, layout);
    if (!base_spent) return std::unexpected(base_spent.error());
    uint64_t fixed = *base_spent;
    std::vector<std::vector<KnapsackOption>> items;
    uint64_t smallest = 0, largest = 0;
    for (const auto& m : *measured) {
        fixed -= limit.counted(base->tensors[m.tensor].bytes_out);
        std::vector<KnapsackOption> options_of;
        for (const auto& c : m.candidates) options_of.push_back({limit.counted(c.bytes), c.error});
        smallest += std::min_element(options_of.begin(), options_of.end(), [](auto& a, auto& b) { return a.cost < b.cost; })->cost;
        largest += std::max_element(options_of.begin(), options_of.end(), [](auto& a, auto& b) { return a.cost < b.cost; })->cost;
        items.push_back(std::move(options_of));
    }
    auto unreachable = [&] {
        return fail(ErrorCode::invalid_argument, model.path(), "the target of " + limit_text(limit, limit.bytes) +
                                                                   " is below the smallest output the candidate types reach, " +
                                                                   limit_text(limit, fixed + smallest));
    };
    if (fixed + smallest > limit.bytes) return unreachable();

    // Split outputs add a header per shard, and how many shards there are
    // depends on the choice: where the first choice overshoots, the budget
    // shrinks by the overshoot and the choice is made again.
    uint64_t budget = limit.bytes - fixed;
    for (int attempt = 0; attempt < 8; ++attempt) {
        auto pick = choose_within(items, budget);
        if (!pick) return unreachable();
        QuantizeOptions chosen = options;
        SizedPlan out;
        out.predicted_error.assign(base->tensors.size(), 0);
        for (size_t k = 0; k < measured->size(); ++k) {
            const TensorCandidates& m = (*measured)[k];
            const CandidateCost& c = m.candidates[(*pick)[k]];
            out.predicted_error[m.tensor] = c.error;
            out.total_error += c.error;
            if (!m.free) continue;
            ++out.free_tensors;
            chosen.chosen_types[base->tensors[m.tensor].tensor] = c.type;
        }
        auto plan = plan_quantize(model, chosen);
        if (!plan) return std::unexpected(plan.error());
        auto used = spent(*plan, limit, layout);
        if (!used) return std::unexpected(used.error());
        if (*used > limit.bytes) {
            if (*used - limit.bytes >= budget) return unreachable();
            budget -= *used - limit.bytes;
            continue;
        }
        auto files = layout_plan(plan->plan, layout);
        if (!files) return std::unexpected(files.error());
        for (const auto& f : *files) out.file_bytes += f.file_bytes;
        out.bits_per_weight = limit.bits_per_weight(quantized_bytes(*plan));
        const uint64_t largest_spent = fixed + largest;
        out.largest_file_bytes = limit.by_file ? largest_spent : 0;
        out.largest_bits_per_weight = limit.by_file ? 0 : limit.bits_per_weight(largest_spent);
        out.plan = std::move(*plan);
        return out;
    }
    return fail(ErrorCode::invalid_argument, model.path(), "no choice of types fits the target of " + limit_text(limit, limit.bytes) +
                                                               " once split into shards");
}

}  // namespace gguf
