#include "lattice_tables.h"

#include <algorithm>

#include "../cpu/i_quant_grids.h"

namespace gguf::quant::vk {
namespace {

struct Shape {
    const iq::Lattice* lattice;
    int bits;  // per coordinate of a key
};

Shape shape_of(LatticeId id) {
    switch (id) {
        case LatticeId::iq2xxs: return {&iq::iq2xxs_lattice(), 2};
        case LatticeId::iq2xs: return {&iq::iq2xs_lattice(), 2};
        case LatticeId::iq2s: return {&iq::iq2s_lattice(), 2};
        case LatticeId::iq3xxs: return {&iq::iq3xxs_lattice(), 3};
        case LatticeId::iq3s: return {&iq::iq3s_lattice(), 3};
        case LatticeId::iq1s: return {&iq::iq1s_lattice(), 2};
        case LatticeId::none: break;
    }
    return {nullptr, 0};
}

}  // namespace

std::vector<uint32_t> lattice_words(LatticeId id) {
    const auto [lattice, bits] = shape_of(id);
    if (!lattice) return {};
    const int dims = lattice->dims();
    const uint32_t field = (1u << bits) - 1;
    int level_count = 0;
    std::vector<uint32_t> points;
    for (int p = 0; p < lattice->size(); ++p) {
        uint32_t key = 0;
        for (int k = 0; k < dims; ++k) {
            key |= uint32_t{lattice->levels(p)[k]} << (bits * k);
            level_count = std::max(level_count, lattice->levels(p)[k] + 1);
        }
        points.push_back(key);
    }
    const uint32_t key_count = 1u << (bits * dims);
    std::vector<uint32_t> keys(key_count, ~0u), lists, neighbours;
    for (uint32_t key = 0; key < key_count; ++key) {
        if (const int index = lattice->index_of(key); index >= 0) {
            keys[key] = static_cast<uint32_t>(index);
            continue;
        }
        bool reachable = true;  // only these have neighbour lists
        for (int k = 0; k < dims; ++k) reachable = reachable && ((key >> (bits * k)) & field) < static_cast<uint32_t>(level_count);
        if (!reachable) continue;
        const auto nb = lattice->neighbours(key);
        keys[key] = ~static_cast<uint32_t>(lists.size() / 2 + 1);
        lists.push_back(static_cast<uint32_t>(neighbours.size()));
        lists.push_back(static_cast<uint32_t>(nb.size()));
        for (const auto index : nb) neighbours.push_back(static_cast<uint32_t>(index) | points[static_cast<size_t>(index)] << 16);
        while (neighbours.size() % kListPadding != 0) neighbours.push_back(neighbours.back());
    }
    std::vector<uint32_t> words(4);
    for (int section = 0; const auto* part : {&keys, &lists, &neighbours, &points}) {
        while (words.size() % kListPadding != 0) words.push_back(0);
        words[section++] = static_cast<uint32_t>(words.size());
        words.insert(words.end(), part->begin(), part->end());
    }
    return words;
}

}  // namespace gguf::quant::vk
