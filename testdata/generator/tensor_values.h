// The float contents of a fixture tensor, a function of its name alone, so
// that a tensor has the same bytes in every layout (bundled, trunk, mtp) and
// in every run. Values keep a tiny model numerically tame: norm weights are
// 1, ssm_a is negative as Mamba-style decay needs, everything else is small
// Gaussian noise.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace fixtures {

// A generator seeded from the tensor name (XXH64), shared by the float and
// the synthetic quantized contents.
std::mt19937_64 name_seeded_rng(std::string_view tensor_name);

std::vector<float> tensor_values(std::string_view tensor_name, uint64_t n_elements);

}  // namespace fixtures
