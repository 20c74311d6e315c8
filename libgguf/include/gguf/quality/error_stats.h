// How far one set of rows is from a reference set: the numbers `compare`
// reports and `quantize --target-size` minimises. Sums are kept in double,
// so the order rows are added in changes results by rounding only.
//
// Importance weights are one float per column (an imatrix entry's weights
// for the rows' matrix); the weighted error is what the importance data says
// a layer's output would see, the plain error what the bytes alone say.
//
// Thread safety: an ErrorStats is a plain value; accumulate per thread and
// merge.
#pragma once

#include <cstdint>
#include <span>

namespace gguf {

struct ErrorStats {
    uint64_t values = 0;            // finite pairs added
    uint64_t non_finite = 0;        // pairs skipped: either side NaN or infinite
    double reference_energy = 0;    // sum of ref^2
    double other_energy = 0;        // sum of other^2
    double dot = 0;                 // sum of ref * other
    double error_energy = 0;        // sum of (ref - other)^2
    double weighted_reference = 0;  // sum of w * ref^2
    double weighted_error = 0;      // sum of w * (ref - other)^2
    double max_abs_error = 0;

    // Adds whole rows of `row_length` values. `weights` is empty (every
    // weight 1) or `row_length` values shared by every row.
    void add_rows(std::span<const float> reference, std::span<const float> other, uint64_t row_length,
                  std::span<const float> weights = {});
    void merge(const ErrorStats& more);

    // sqrt(error_energy / reference_energy); 0 when both are 0, infinity when
    // only the reference is 0.
    double relative_rms() const;
    // The same with the weights.
    double weighted_relative_rms() const;
    // ref . other / (|ref| |other|); 1 when both are all zeros, 0 when one is.
    double cosine() const;
};

}  // namespace gguf
