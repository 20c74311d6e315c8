// Which rows of a tensor to measure when measuring all of them costs too
// much: evenly spread over every matrix (expert), the same rows every run,
// so sampled results are reproducible and comparable across files.
//
// Thread safety: a function of its arguments.
#pragma once

#include <cstdint>
#include <vector>

namespace gguf {

// `wanted` row numbers out of `rows`, ascending, each the middle of one of
// `wanted` equal stretches; every row when `wanted` is 0 or at least `rows`.
std::vector<uint64_t> sampled_rows(uint64_t rows, uint64_t wanted);

}  // namespace gguf
