#include "tensor_values.h"

#include <cmath>
#include <numbers>

#include <xxhash.h>

namespace fixtures {
namespace {

// Uniform in (0, 1]: 53 random bits, shifted by one ulp so log() never sees 0.
double uniform_open_zero(std::mt19937_64& rng) {
    return (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
}

// Box-Muller written out: std::normal_distribution's algorithm is left to
// the standard library, and the fixtures must not change with it.
std::vector<double> standard_normals(std::mt19937_64& rng, uint64_t count) {
    std::vector<double> out;
    out.reserve(count + 1);
    while (out.size() < count) {
        const double radius = std::sqrt(-2.0 * std::log(uniform_open_zero(rng)));
        const double angle = 2.0 * std::numbers::pi * uniform_open_zero(rng);
        out.push_back(radius * std::cos(angle));
        out.push_back(radius * std::sin(angle));
    }
    out.resize(count);
    return out;
}

bool is_norm_weight(std::string_view name) {
    return name.find("norm") != std::string_view::npos && name.ends_with(".weight");
}

}  // namespace

std::mt19937_64 name_seeded_rng(std::string_view tensor_name) {
    return std::mt19937_64(XXH64(tensor_name.data(), tensor_name.size(), 0));
}

std::vector<float> tensor_values(std::string_view tensor_name, uint64_t n_elements) {
    if (is_norm_weight(tensor_name)) return std::vector<float>(n_elements, 1.0f);
    std::mt19937_64 rng = name_seeded_rng(tensor_name);
    const std::vector<double> normals = standard_normals(rng, n_elements);
    const bool decay = tensor_name.ends_with(".ssm_a");
    std::vector<float> out(n_elements);
    for (uint64_t i = 0; i < n_elements; ++i)
        out[i] = static_cast<float>(decay ? -std::exp(0.1 * normals[i]) : 0.05 * normals[i]);
    return out;
}

}  // namespace fixtures
