// The quantizers' view of the i-quant grids (see i_quant_grids.h). ggml sorts
// every grid point by distance for each of the 2^16 keys at start-up; here
// only keys a quantizer can produce are visited, and distances are small
// integers, so each neighbour list comes from one counting pass.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "../../programmer_error.h"
#include "i_quant_grids.h"

namespace gguf::quant::iq {
namespace {

constexpr int32_t kUnreachable = std::numeric_limits<int32_t>::min();

template <typename Word, size_t N>
std::vector<uint8_t> coordinate_bytes(const Word (&grid)[N], int dims) {
    std::vector<uint8_t> bytes;
    bytes.reserve(N * dims);
    for (Word point : grid) {
        for (int k = 0; k < dims; ++k) bytes.push_back(static_cast<uint8_t>(point >> (8 * k)));
    }
    return bytes;
}

}  // namespace

Lattice::Lattice(std::span<const uint8_t> coordinate_bytes, int dims, bool signed_coordinates, int bits, int rings) : dims_(dims) {
    const auto value_of = [&](uint8_t b) { return signed_coordinates ? static_cast<int>(static_cast<int8_t>(b)) : static_cast<int>(b); };
    std::vector<int> values;
    for (uint8_t b : coordinate_bytes) values.push_back(value_of(b));
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const int level_count = static_cast<int>(values.size());

    levels_.resize(coordinate_bytes.size());
    for (size_t i = 0; i < coordinate_bytes.size(); ++i) {
        const int v = value_of(coordinate_bytes[i]);
        levels_[i] = static_cast<uint8_t>(std::lower_bound(values.begin(), values.end(), v) - values.begin());
    }
    const int points = size();
    const uint32_t key_count = 1u << (bits * dims);
    const uint32_t field = (1u << bits) - 1;

    map_.assign(key_count, kUnreachable);
    key_lists_.assign(key_count, 0);
    for (int i = 0; i < points; ++i) {
        uint32_t key = 0;
        for (int k = 0; k < dims; ++k) key |= static_cast<uint32_t>(levels(i)[k]) << (bits * k);
        map_[key] = i;
    }

    // A squared distance is the sum of its two half keys' (the low dims / 2
    // levels and the rest), so it is two lookups in a table of half-key
    // distances rather than dims products per point and key.
    const int half_dims = (dims + 1) / 2, half_bits = bits * (dims / 2);
    const uint32_t half_keys = 1u << (bits * half_dims), half_field = (1u << half_bits) - 1;
    std::vector<uint16_t> half_distance(static_cast<size_t>(half_keys) * half_keys);
    for (uint32_t a = 0; a < half_keys; ++a) {
        for (uint32_t b = 0; b < half_keys; ++b) {
            int d = 0;
            for (int k = 0; k < half_dims; ++k) {
                const int diff = static_cast<int>((a >> (bits * k)) & field) - static_cast<int>((b >> (bits * k)) & field);
                d += diff * diff;
            }
            half_distance[a * half_keys + b] = static_cast<uint16_t>(d);
        }
    }
    std::vector<uint32_t> point_low(points), point_high(points);
    for (int j = 0; j < points; ++j) {
        uint32_t key = 0;
        for (int k = 0; k < dims; ++k) key |= static_cast<uint32_t>(levels(j)[k]) << (bits * k);
        point_low[j] = key & half_field;
        point_high[j] = key >> half_bits;
    }

    const int max_distance = dims * (level_count - 1) * (level_count - 1);
    std::vector<int> distance(points);
    std::vector<int> at_distance(max_distance + 1);
    for (uint32_t key = 0; key < key_count; ++key) {
        if (map_[key] != kUnreachable) continue;
        bool reachable = true;
        for (int k = 0; k < dims; ++k) {
            reachable = reachable && static_cast<int>((key >> (bits * k)) & field) < level_count;
        }
        if (!reachable) continue;
        std::fill(at_distance.begin(), at_distance.end(), 0);
        const uint16_t* to_low = half_distance.data() + static_cast<size_t>(key & half_field) * half_keys;
        const uint16_t* to_high = half_distance.data() + static_cast<size_t>(key >> half_bits) * half_keys;
        for (int j = 0; j < points; ++j) {
            const int d = to_low[point_low[j]] + to_high[point_high[j]];
            distance[j] = d;
            ++at_distance[d];
        }
        // The rings' points by distance then index in one pass: each ring's
        // start (at_distance turned into offsets), its points placed in
        // index order; other distances are marked out.
        const auto first = static_cast<uint32_t>(indices_.size());
        uint32_t count = 0;
        for (int d = 0, found_rings = 0; d <= max_distance; ++d) {
            const int here = at_distance[d];
            if (here && found_rings < rings) {
                ++found_rings;
                at_distance[d] = static_cast<int>(first + count);
                count += static_cast<uint32_t>(here);
            } else {
                at_distance[d] = -1;
            }
        }
        indices_.resize(first + count);
        for (int j = 0; j < points; ++j) {
            int& at = at_distance[distance[j]];
            if (at >= 0) indices_[at++] = static_cast<uint16_t>(j);
        }
        const size_t keys = keys_.size() / 16;
        // The grids are fixed data that stay far below (at most 22,647 blocks
        // of keys and 292 neighbours a list); the checked builds the tests
        // run would stop at a grid that did not.
        GGUF_MTP_EXPECT(keys <= 0xffff && count <= 0xffff, "neighbour lists within key_lists_'s 16-bit halves");
        for (uint32_t at = 0; at < (count + 15) / 16 * 16; ++at) {
            const uint8_t* p = levels(indices_[first + (at < count ? at : 0)]);
            uint32_t neighbour_key = 0;
            for (int k = 0; k < dims; ++k) neighbour_key |= static_cast<uint32_t>(p[k]) << (bits * k);
            keys_.push_back(static_cast<uint16_t>(neighbour_key));
        }
        map_[key] = -static_cast<int32_t>(lists_.size()) - 1;
        lists_.push_back({first, count});
        key_lists_[key] = static_cast<uint32_t>(keys) << 16 | count;
    }
}

const Lattice& iq2xxs_lattice() {
    static const Lattice lattice(coordinate_bytes(kIq2xxsGrid, 8), 8, false, 2, 2);
    return lattice;
}

const Lattice& iq2xs_lattice() {
    static const Lattice lattice(coordinate_bytes(kIq2xsGrid, 8), 8, false, 2, 2);
    return lattice;
}

const Lattice& iq2s_lattice() {
    static const Lattice lattice(coordinate_bytes(kIq2sGrid, 8), 8, false, 2, 1);
    return lattice;
}

const Lattice& iq3xxs_lattice() {
    static const Lattice lattice(coordinate_bytes(kIq3xxsGrid, 4), 4, false, 3, 2);
    return lattice;
}

const Lattice& iq3s_lattice() {
    static const Lattice lattice(coordinate_bytes(kIq3sGrid, 4), 4, false, 3, 3);
    return lattice;
}

const Lattice& iq1s_lattice() {
    static const Lattice lattice(coordinate_bytes(kIq1sGrid, 8), 8, true, 2, 3);
    return lattice;
}

}  // namespace gguf::quant::iq
