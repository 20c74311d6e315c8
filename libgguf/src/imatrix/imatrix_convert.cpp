// GGUF <-> .dat with the quantization weights kept bit for bit.
//
// Both formats store a numerator and a divisor, and llama-quantize divides
// them in float. Scaling by the counts as llama-imatrix does (value / count
// * ncall) rounds twice, so the weights drift by an ulp. Instead we look for
// float numerators whose quotients are exactly the weights: over the divisor
// llama-imatrix would store when one exists; when the divisor's mantissa
// leaves some weight unreachable, over the nearest power of two (scaling by
// it is exact), which keeps the count's meaning within a factor of 1.42.
#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <numbers>
#include <optional>

#include "gguf/imatrix/imatrix.h"

namespace gguf {
namespace {

// A float n with n / divisor == weight in float arithmetic, if one lies
// within a few ulps of the exact product.
std::optional<float> numerator_for(float weight, float divisor) {
    const float guess = weight * divisor;
    if (!std::isfinite(guess)) return std::nullopt;
    float up = guess, down = guess;
    for (int step = 0; step < 4; ++step) {
        if (up / divisor == weight) return up;
        if (down / divisor == weight) return down;
        up = std::nextafter(up, INFINITY);
        down = std::nextafter(down, -INFINITY);
    }
    return std::nullopt;
}

int64_t nearest_power_of_two(int64_t n) {
    const auto low = static_cast<int64_t>(std::bit_floor(static_cast<uint64_t>(n)));
    return static_cast<double>(n) > static_cast<double>(low) * std::numbers::sqrt2 ? 2 * low : low;
}

// The entry that stores `weights` exactly over the first divisor that
// allows it: `preferred`, its nearest power of two, else 1 (always exact).
ImatrixEntry exact_entry(const std::vector<float>& weights, int64_t preferred, int64_t largest) {
    for (int64_t divisor : {preferred, nearest_power_of_two(preferred)}) {
        if (divisor > largest) continue;
        ImatrixEntry e{std::vector<float>(weights.size()), {divisor}};
        bool exact = true;
        for (size_t i = 0; i < weights.size() && exact; ++i) {
            const auto n = numerator_for(weights[i], static_cast<float>(divisor));
            exact = n.has_value();
            e.sums[i] = n.value_or(0.0f);
        }
        if (exact) return e;
    }
    return {weights, {1}};
}

Status check_chunk_size(int32_t chunk_size) {
    if (chunk_size < 1) return fail(ErrorCode::invalid_argument, "", "the chunk size must be at least 1, not " + std::to_string(chunk_size));
    return {};
}

}  // namespace

Result<Imatrix> to_legacy_imatrix(const Imatrix& imatrix, int32_t chunk_size) {
    if (imatrix.legacy) return imatrix;
    if (auto ok = check_chunk_size(chunk_size); !ok) return std::unexpected(ok.error());
    Imatrix out;
    out.legacy = true;
    out.chunk_count = imatrix.chunk_count;
    if (!imatrix.datasets.empty()) out.datasets = {imatrix.datasets.back()};
    for (const auto& [name, e] : imatrix.entries) {
        const std::vector<float> weights = imatrix.weights(name);
        const int64_t most = e.counts.empty() ? 0 : *std::max_element(e.counts.begin(), e.counts.end());
        // llama-imatrix's call count: chunks, rounded up so that data never reads as none.
        const int64_t ncall = (most + chunk_size - 1) / chunk_size;
        // No data: .dat with a call count of 0 gives the values themselves (all 1).
        ImatrixEntry converted = ncall == 0 ? ImatrixEntry{weights, {0}} : exact_entry(weights, ncall, INT32_MAX);
        out.entries.emplace(name, std::move(converted));
    }
    return out;
}

Result<Imatrix> to_gguf_imatrix(const Imatrix& imatrix, int32_t chunk_size) {
    if (!imatrix.legacy) return imatrix;
    if (auto ok = check_chunk_size(chunk_size); !ok) return std::unexpected(ok.error());
    Imatrix out;
    out.has_metadata = true;
    out.chunk_count = imatrix.chunk_count;
    out.chunk_size = chunk_size;
    out.datasets = imatrix.datasets;
    for (const auto& [name, e] : imatrix.entries) {
        const std::vector<float> weights = imatrix.weights(name);
        const int64_t ncall = e.counts.empty() ? 0 : e.counts[0];
        ImatrixEntry converted;
        if (ncall == 0 && std::ranges::all_of(weights, [](float w) { return w == 1.0f; })) {
            // What .dat holds for an entry without data: GGUF says so with a count of 0.
            converted = {std::vector<float>(weights.size(), 0.0f), {0}};
        } else {
            converted = exact_entry(weights, ncall > 0 ? ncall * chunk_size : 1, INT64_MAX);
        }
        out.entries.emplace(name, std::move(converted));
    }
    return out;
}

}  // namespace gguf
