// What every quantize shader shares: compute_shader.glsl (float controls
// that make its arithmetic the CPU core's), its buffers and its parameters.
// One invocation quantizes one unit (a block or super-block) of a row.
#include "compute_shader.glsl"

layout(std430, binding = 0) readonly buffer Source { float src[]; };
layout(std430, binding = 1) readonly buffer Importance { float importance[]; };
layout(std430, binding = 2) writeonly buffer Destination { uint8_t dst[]; };
// Per row: the mean of the squares of the row's values (legacy types with importance).
layout(std430, binding = 3) readonly buffer RowSigma { float row_sigma2[]; };

layout(push_constant) uniform Params {
    uint units;          // units in this dispatch
    uint units_per_row;
    uint row_length;
    uint weighted;       // importance holds row_length weights
} params;

#include "exact_float.glsl"

void store_u16(uint at, uint v) {
    dst[at] = uint8_t(v & 0xffu);
    dst[at + 1] = uint8_t((v >> 8) & 0xffu);
}
