// The i-quant lattice of the shader's type (binding 4, laid out as
// lattice_tables.h says) and the nearest-grid-point search among a key's
// neighbours, as nearest_neighbour_scalar in
// libgguf/src/quant/cpu/i_quant_search.h: the same table of terms, each
// candidate's terms added in coordinate order, the first smallest winning.
#ifndef LATTICE_GLSL
#define LATTICE_GLSL

layout(std430, binding = 4) readonly buffer Lattice { uint lattice[]; };
// The same words four at a time: neighbour lists start and end on 8-word
// boundaries (lattice_tables.h).
layout(std430, binding = 4) readonly buffer LatticeVectors { uvec4 lattice_vectors[]; };

// Grid index of `key`, or -1 where it is no grid point.
int grid_index(uint key) {
    const uint word = lattice[lattice[0] + key];
    return int(word) >= 0 ? int(word) : -1;
}

// The key (levels) of grid point `index`.
uint point_key(int index) { return lattice[lattice[3] + uint(index)]; }

// Level of coordinate i in `key`.
int level_at(uint key, int bits, int i) { return int((key >> uint(bits * i)) & ((1u << uint(bits)) - 1u)); }

// What the level of value `value` at `scale` costs coordinate x under w.
float level_cost(float x, float w, float scale, float value) {
    precise float diff = scale * value - x;
    precise float t = w * diff * diff;
    return t;
}

// Where neighbour list number `list` starts in the lattice (each entry:
// the neighbour's key above its grid index) and how long it is.
void list_at(uint list, out uint first, out uint count) {
    first = lattice[2] + lattice[lattice[1] + 2u * list];
    count = lattice[lattice[1] + 2u * list + 1u];
}

// The neighbour list of off-grid `key`.
void neighbour_list(uint key, out uint first, out uint count) { list_at(~lattice[lattice[0] + key] - 1u, first, count); }

// The neighbour of off-grid `key` that scale * values[level] brings closest
// to x under w (dims coordinates), first on ties; returns its grid index.
int nearest_neighbour(uint key, int dims, int bits, float x[8], float w[8], float scale, float values[8]) {
    float term[8][8];
    for (int i = 0; i < dims; ++i) {
        for (int l = 0; l < (1 << bits); ++l) term[i][l] = level_cost(x[i], w[i], scale, values[l]);  // the levels a key can hold
    }
    uint first, count;
    neighbour_list(key, first, count);
    float best = uintBitsToFloat(0x7f7fffffu);  // FLT_MAX
    int at = -1;
    for (uint j = 0u; j < count; ++j) {
        const uint p = lattice[first + j] >> 16u;
        precise float d2 = 0.0;
        for (int i = 0; i < dims; ++i) d2 = d2 + term[i][level_at(p, bits, i)];
        if (d2 < best) {
            best = d2;
            at = int(j);
        }
    }
    return int(lattice[first + uint(at < 0 ? 0 : at)] & 0xffffu);
}

// Component l (0..2) of t, by selects: indexing a vector with a variable
// puts it in memory on some drivers (five times slower on the H100).
float level_term(vec3 t, uint l) {
    const float low = (l & 1u) != 0u ? t.y : t.x;
    return (l & 2u) != 0u ? t.z : low;
}

// Distance of the neighbour with 2-bit levels `p` (8 coordinates, each
// level below 3) under the per-level terms, summed in coordinate order.
float distance_8x2(vec3 term[8], uint p) {
    precise float d2 = 0.0;
    for (int i = 0; i < 8; ++i) d2 = d2 + level_term(term[i], (p >> uint(2 * i)) & 3u);
    return d2;
}

// nearest_neighbour for 8 coordinates of 2-bit levels (IQ1, IQ2), from the
// key's neighbour list (neighbour_list, group_lists), the terms kept in
// registers and kScoredAtOnce candidates scored at once: each score is a
// chain of dependent additions, and several chains hide each other's latency.
// Every such lattice has levels 0..2 only (LatticeTables.EightByTwoLattices-
// HaveThreeLevels), so three terms a coordinate and two selects a lookup
// suffice. On an H100 that took IQ2_XS from 4.2 to 5.6 GB/s and IQ2_S from
// 14.4 to 18.1; and with a fourth, never read term, the driver's code for
// IQ1_M (its split search through half-block sums) gave wrong bytes in
// every block, while lavapipe's were right.
const uint kScoredAtOnce = 8u;  // the lists' padding (lattice_tables.h)

int nearest_in_list_8x2(uint first, uint count, float x[8], float w[8], float scale, float values[8]) {
    vec3 term[8];
    for (int i = 0; i < 8; ++i) {
        for (int l = 0; l < 3; ++l) term[i][l] = level_cost(x[i], w[i], scale, values[l]);
    }
    float best = uintBitsToFloat(0x7f7fffffu);  // FLT_MAX
    uint at = 0u;
    for (uint j = 0u; j < count; j += kScoredAtOnce) {
        float d2[kScoredAtOnce];
        for (uint v = 0u; v < kScoredAtOnce / 4u; ++v) {
            const uvec4 four = lattice_vectors[(first + j) / 4u + v];
            for (uint u = 0u; u < 4u; ++u) d2[4u * v + u] = distance_8x2(term, four[u] >> 16u);
        }
        for (uint u = 0u; u < kScoredAtOnce; ++u) {
            if (d2[u] < best) {
                best = d2[u];
                at = j + u;
            }
        }
    }
    return int(lattice[first + at] & 0xffffu);
}

// For the first `groups` of four keys: whether each is off the grid, and
// its neighbour list. Each search waits on two dependent loads before its
// first candidate; issued for all groups before any search, they wait once.
void group_lists(uint keys[4], int groups, out bool off[4], out uint first[4], out uint count[4]) {
    uint word[4], list[4];
    for (int k = 0; k < 4; ++k) word[k] = k < groups ? lattice[lattice[0] + keys[k]] : 0u;
    for (int k = 0; k < 4; ++k) {
        off[k] = int(word[k]) < 0;
        list[k] = off[k] ? ~word[k] - 1u : 0u;
    }
    for (int k = 0; k < 4; ++k) list_at(list[k], first[k], count[k]);
}

#endif
