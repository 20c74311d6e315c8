#include "gguf/quality/error_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../programmer_error.h"

namespace gguf {
namespace {

double ratio_root(double error, double reference) {
    if (reference == 0) return error == 0 ? 0.0 : std::numeric_limits<double>::infinity();
    return std::sqrt(error / reference);
}

}  // namespace

void ErrorStats::add_rows(std::span<const float> reference, std::span<const float> other, uint64_t row_length,
                          std::span<const float> weights) {
    GGUF_MTP_EXPECT(reference.size() == other.size() && row_length > 0 && reference.size() % row_length == 0,
                    "rows of equal shape");
    GGUF_MTP_EXPECT(weights.empty() || weights.size() == row_length, "one weight per column");
    for (size_t i = 0; i < reference.size(); ++i) {
        const double r = reference[i];
        const double o = other[i];
        if (!std::isfinite(r) || !std::isfinite(o)) {
            ++non_finite;
            continue;
        }
        const double w = weights.empty() ? 1.0 : static_cast<double>(weights[i % row_length]);
        const double d = r - o;
        ++values;
        reference_energy += r * r;
        other_energy += o * o;
        dot += r * o;
        error_energy += d * d;
        weighted_reference += w * r * r;
        weighted_error += w * d * d;
        max_abs_error = std::max(max_abs_error, std::fabs(d));
    }
}

void ErrorStats::merge(const ErrorStats& more) {
    values += more.values;
    non_finite += more.non_finite;
    reference_energy += more.reference_energy;
    other_energy += more.other_energy;
    dot += more.dot;
    error_energy += more.error_energy;
    weighted_reference += more.weighted_reference;
    weighted_error += more.weighted_error;
    max_abs_error = std::max(max_abs_error, more.max_abs_error);
}

double ErrorStats::relative_rms() const { return ratio_root(error_energy, reference_energy); }

double ErrorStats::weighted_relative_rms() const { return ratio_root(weighted_error, weighted_reference); }

double ErrorStats::cosine() const {
    if (reference_energy == 0 && other_energy == 0) return 1.0;
    if (reference_energy == 0 || other_energy == 0) return 0.0;
    return dot / std::sqrt(reference_energy * other_energy);
}

}  // namespace gguf
