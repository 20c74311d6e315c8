// The i-quant lattices (libgguf/src/quant/cpu/i_quant_grids.h) as the IQ1,
// IQ2 and IQ3 shaders read them from their lattice storage buffer: the same
// grid indices and neighbour lists, in the same order, so that the shaders'
// searches visit the candidates the CPU core visits.
#pragma once

#include <cstdint>
#include <vector>

namespace gguf::quant::vk {

// Sections and neighbour lists are aligned and padded to this many words.
inline constexpr uint32_t kListPadding = 8;

enum class LatticeId : uint8_t { none, iq2xxs, iq2xs, iq2s, iq3xxs, iq3s, iq1s };

// 32-bit words: a header of four section offsets (in words), then
//   keys:       per key (levels packed `bits` bits a coordinate, first lowest):
//               its grid index, ~(list + 1) for an off-grid key a quantizer
//               can round to, ~0u for one it never rounds to;
//   lists:      per off-grid key, its first neighbour and neighbour count;
//   neighbours: grid index | key << 16, nearest first (the key beside the
//               index spares the search a dependent load a candidate);
//               each list starts at a multiple of kListPadding words and
//               is padded to one with copies of its last neighbour, so a
//               search may read whole 16-byte vectors (a copy never wins:
//               it ties the neighbour it copies, which came first);
//   points:     per grid index, its key.
std::vector<uint32_t> lattice_words(LatticeId id);

}  // namespace gguf::quant::vk
