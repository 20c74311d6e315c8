#version 460
// The legacy weighted quantizers' row statistic: sum of x^2 over the row, in
// order, divided by the row length.
#extension GL_EXT_spirv_intrinsics : require
spirv_execution_mode(capabilities = [4467], 4462, 32);
spirv_execution_mode(capabilities = [4466], 4461, 32);
#ifdef DENORM_PRESERVE
spirv_execution_mode(capabilities = [4464], 4459, 32);
#endif
layout(local_size_x = 64) in;
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
