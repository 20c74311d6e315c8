// The lattice tables the IQ1/IQ2/IQ3 shaders search (lattice_tables.h), read
// back against the CPU core's lattices: what the shaders rely on about their
// layout, on the real tables. Needs no device.
#include "quant/vulkan/lattice_tables.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "quant/cpu/i_quant_grids.h"

namespace {

using gguf::quant::vk::kListPadding;
using gguf::quant::vk::LatticeId;
namespace iq = gguf::quant::iq;

struct Case {
    LatticeId id;
    const iq::Lattice& lattice;
    int bits;
};

std::vector<Case> every_lattice() {
    return {{LatticeId::iq2xxs, iq::iq2xxs_lattice(), 2}, {LatticeId::iq2xs, iq::iq2xs_lattice(), 2}, {LatticeId::iq2s, iq::iq2s_lattice(), 2},
            {LatticeId::iq3xxs, iq::iq3xxs_lattice(), 3}, {LatticeId::iq3s, iq::iq3s_lattice(), 3},   {LatticeId::iq1s, iq::iq1s_lattice(), 2}};
}

// Every off-grid key's list holds the CPU core's neighbours in its order,
// starts on a padding boundary and is padded with copies of its last
// neighbour: the shaders read whole vectors and let a copy tie, never win.
TEST(LatticeTables, ListsAreTheCpuNeighboursAlignedAndPaddedWithTheirLast) {
    for (const auto& c : every_lattice()) {
        const auto words = gguf::quant::vk::lattice_words(c.id);
        for (int section = 0; section < 4; ++section) EXPECT_EQ(words[section] % kListPadding, 0u) << "section " << section;
        const uint32_t keys = 1u << (c.bits * c.lattice.dims());
        int lists = 0;
        for (uint32_t key = 0; key < keys; ++key) {
            const uint32_t word = words[words[0] + key];
            if (static_cast<int32_t>(word) >= 0) {
                ASSERT_EQ(static_cast<int>(word), c.lattice.index_of(key)) << "key " << key;
                continue;
            }
            if (word == ~0u) continue;  // a key no quantizer rounds to
            ++lists;
            const uint32_t list = ~word - 1u;
            const uint32_t first = words[2] + words[words[1] + 2 * list], count = words[words[1] + 2 * list + 1];
            const auto want = c.lattice.neighbours(key);
            ASSERT_EQ(count, want.size()) << "key " << key;
            ASSERT_EQ(first % kListPadding, 0u) << "key " << key;
            for (uint32_t j = 0; j < count; ++j) ASSERT_EQ(words[first + j] & 0xffffu, want[j]) << "key " << key << " neighbour " << j;
            for (uint32_t j = count; j % kListPadding != 0; ++j) ASSERT_EQ(words[first + j], words[first + count - 1]) << "key " << key << " padding " << j;
        }
        EXPECT_GT(lists, 0);
    }
}

// The 8-coordinate, 2-bit searches (nearest_in_list_8x2) keep three terms a
// coordinate: no grid point of their lattices has a level above 2.
TEST(LatticeTables, EightByTwoLatticesHaveThreeLevels) {
    for (const auto& c : every_lattice()) {
        if (c.bits != 2) continue;
        ASSERT_EQ(c.lattice.dims(), 8);
        for (int p = 0; p < c.lattice.size(); ++p) {
            for (int k = 0; k < 8; ++k) ASSERT_LT(c.lattice.levels(p)[k], 3) << "point " << p;
        }
    }
}

}  // namespace
