// The i-quant lattice of the shader's type (binding 4, laid out as
// lattice_tables.h says) and the nearest-grid-point search among a key's
// neighbours, as nearest_neighbour_scalar in
// libgguf/src/quant/cpu/i_quant_search.h: the same table of terms, each
// candidate's terms added in coordinate order, the first smallest winning.
#ifndef LATTICE_GLSL
#define LATTICE_GLSL

layout(std430, binding = 4) readonly buffer Lattice { uint lattice[]; };

// Grid index of `key`, or -1 where it is no grid point.
int grid_index(uint key) {
    const uint word = lattice[lattice[0] + key];
    return int(word) >= 0 ? int(word) : -1;
}

// The key (levels) of grid point `index`.
uint point_key(int index) { return lattice[lattice[3] + uint(index)]; }

// Level of coordinate i in `key`.
int level_at(uint key, int bits, int i) { return int((key >> uint(bits * i)) & ((1u << uint(bits)) - 1u)); }

// The neighbour of off-grid `key` that scale * values[level] brings closest
// to x under w (dims coordinates), first on ties; returns its grid index.
int nearest_neighbour(uint key, int dims, int bits, float x[8], float w[8], float scale, float values[8]) {
    float term[8][8];
    for (int i = 0; i < dims; ++i) {
        for (int l = 0; l < (1 << bits); ++l) {  // the levels a key can hold
            precise float diff = scale * values[l] - x[i];
            precise float t = w[i] * diff * diff;
            term[i][l] = t;
        }
    }
    const uint list = ~lattice[lattice[0] + key] - 1u;
    const uint first = lattice[lattice[1] + 2u * list];
    const uint count = lattice[lattice[1] + 2u * list + 1u];
    float best = uintBitsToFloat(0x7f7fffffu);  // FLT_MAX
    int at = -1;
    for (uint j = 0u; j < count; ++j) {
        const uint p = lattice[lattice[2] + first + j] >> 16u;
        precise float d2 = 0.0;
        for (int i = 0; i < dims; ++i) d2 = d2 + term[i][level_at(p, bits, i)];
        if (d2 < best) {
            best = d2;
            at = int(j);
        }
    }
    return int(lattice[lattice[2] + first + uint(at < 0 ? 0 : at)] & 0xffffu);
}

#endif
