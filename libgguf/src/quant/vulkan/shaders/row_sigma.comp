#version 460
// The legacy weighted quantizers' row statistic: sum of x^2 over the row, in
// order, divided by the row length.
#include "compute_shader.glsl"
layout(std430, binding = 0) readonly buffer Source { float src[]; };
layout(std430, binding = 3) writeonly buffer RowSigma { float row_sigma2[]; };
layout(push_constant) uniform Params { uint rows; uint unused; uint row_length; uint weighted; } params;

#include "exact_float.glsl"

void main() {
    const uint row = gl_GlobalInvocationID.x;
    if (row >= params.rows) return;
    precise float sum = 0.0;
    for (uint j = 0; j < params.row_length; ++j) {
        precise float v = src[row * params.row_length + j];
        sum = sum + v * v;
    }
    row_sigma2[row] = fdiv(sum, float(params.row_length));
}
