// Format constants of ggml's i-quants: the IQ4 non-linear levels and the
// lattices (grids) that IQ1/IQ2/IQ3 blocks index into, plus the lookup
// structures derived from those grids for the quantizers.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace gguf::quant::iq {

// IQ4_NL / IQ4_XS: the 16 levels a 4-bit index selects, ascending.
inline constexpr int8_t kIq4Levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// The grids (i_quant_grids.cpp): one entry per lattice point, one byte per
// coordinate, first coordinate lowest.
extern const uint64_t kIq2xxsGrid[256];
extern const uint64_t kIq2xsGrid[512];
extern const uint64_t kIq2sGrid[1024];
extern const uint32_t kIq3xxsGrid[256];
extern const uint32_t kIq3sGrid[512];
extern const uint64_t kIq1sGrid[2048];

// Sign patterns of IQ2_XXS/IQ2_XS/IQ3_XXS: 7 stored bits, the eighth is their
// parity (an even number of negative coordinates).
inline constexpr uint8_t even_signs(unsigned seven_bits) {
    return static_cast<uint8_t>(seven_bits | ((static_cast<unsigned>(std::popcount(seven_bits)) & 1u) << 7));
}

// A grid seen by its quantizer: every coordinate as a level index
// 0..levels-1 (the rank of its value), and for each point of the level cube
// that a quantizer can round to (every level below the level count), either
// the grid point it is or the grid points nearest to it.
//
// Key of a point: coordinate k's level in bits [bits*k, bits*k + bits).
// Nearness: squared Euclidean distance in levels; the neighbours of an
// off-grid key are every grid point at the `rings` smallest distinct
// distances, by distance then index.
class Lattice {
public:
    Lattice(std::span<const uint8_t> coordinate_bytes, int dims, bool signed_coordinates, int bits, int rings);

    int dims() const { return dims_; }
    int size() const { return static_cast<int>(levels_.size()) / dims_; }
    // Levels of grid point `index`: dims() values.
    const uint8_t* levels(int index) const { return levels_.data() + static_cast<size_t>(index) * dims_; }
    // Grid index of `key`, or -1 when it is not a grid point.
    int index_of(uint32_t key) const { return map_[key] >= 0 ? map_[key] : -1; }
    // Neighbours of an off-grid key (index_of(key) < 0), nearest first.
    std::span<const uint16_t> neighbours(uint32_t key) const {
        const List& list = lists_[-map_[key] - 1];
        return {indices_.data() + list.first, list.count};
    }
    // The same neighbours' keys, the data padded to a multiple of 16 with
    // the first one's: each key holds all of a neighbour's levels, so vector
    // code reads a lane per neighbour from 2 bytes (the lists' memory, not
    // their arithmetic, bounds the search; iq1s's fit in L2 this way).
    std::span<const uint16_t> neighbour_keys(uint32_t key) const {
        const uint32_t at = key_lists_[key];
        return {keys_.data() + (at >> 16) * 16, at & 0xffff};
    }

private:
    struct List {
        uint32_t first;    // into indices_
        uint32_t count;
    };
    int dims_;
    std::vector<uint8_t> levels_;
    std::vector<int32_t> map_;  // >= 0: grid index; < 0: -(position in lists_) - 1
    std::vector<List> lists_;
    std::vector<uint16_t> indices_;
    std::vector<uint16_t> keys_;
    // Per off-grid key, its neighbours' start in keys_ / 16 (high half) and
    // count (low half): a search's one load before the keys (through
    // lists_ it was two, one waiting on the other: IQ3_S and IQ1_M 1-2%
    // slower).
    std::vector<uint32_t> key_lists_;
};

// Built on first use, immutable afterwards, shared by every thread.
const Lattice& iq2xxs_lattice();
const Lattice& iq2xs_lattice();
const Lattice& iq2s_lattice();
const Lattice& iq3xxs_lattice();
const Lattice& iq3s_lattice();
const Lattice& iq1s_lattice();

}  // namespace gguf::quant::iq
