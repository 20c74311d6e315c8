// Super-blocks of 256 values staged in shared memory: the workgroup reads
// its super-blocks together (one coalesced read of the source, where each
// invocation reading its own super-block read most of it several times, a
// value per instruction), then each invocation takes its sub-block into xs.
// The super-block's sum of squares and one sub-block's importance-derived
// search weights are sum_squares and sigma_weights of
// libgguf/src/quant/cpu/k_quants.cpp. Measured on an H100: IQ4_XS's shader
// time fell 7% with it; the k-quant shaders' rose 30-50% (measured with a
// change to their search as well), so they read their super-blocks
// themselves (k_super_block.glsl).
//
// The includer declares xs and ws (float[32]) and kSubBlockValues (16 or
// 32): one invocation per sub-block, kInvocationsPerSuperBlock of them per
// super-block.
#ifndef STAGED_SUPER_BLOCKS_GLSL
#define STAGED_SUPER_BLOCKS_GLSL

const uint kInvocationsPerSuperBlock = 256u / kSubBlockValues;
const uint kSuperBlocksPerGroup = 64u / kInvocationsPerSuperBlock;  // 64 invocations: compute_shader.glsl
// A float of padding after each sub-block: the invocations reading value l
// of their sub-blocks at once then read different banks.
const uint kSubBlockStride = kSubBlockValues + 1u;
const uint kSuperBlockStride = kInvocationsPerSuperBlock * kSubBlockStride;
shared float staged[kSuperBlocksPerGroup * kSuperBlockStride];

uint unit_slot;     // the invocation's super-block within the workgroup
uint unit_weights;  // the super-block's first importance weight

// Every invocation of the workgroup calls this, past the last unit too: it
// waits at a barrier.
void stage_super_blocks(uint unit) {
    const uint first_unit = gl_WorkGroupID.x * kSuperBlocksPerGroup;
    const uint present = params.units > first_unit ? min(params.units - first_unit, kSuperBlocksPerGroup) * 256u : 0u;
    [[unroll]] for (uint k = 0u; k < 4u * kSuperBlocksPerGroup; ++k) {
        const uint e = 64u * k + gl_LocalInvocationID.x;
        const uint at = e / 256u * kSuperBlockStride + e % 256u / kSubBlockValues * kSubBlockStride + e % kSubBlockValues;
        if (e < present) staged[at] = src[256u * first_unit + e];
    }
    barrier();
    unit_slot = gl_LocalInvocationID.x / kInvocationsPerSuperBlock;
    unit_weights = (unit % params.units_per_row) * 256u;
}

// Sub-block j into xs.
void load_sub_block(int j) {
    const uint at = unit_slot * kSuperBlockStride + uint(j) * kSubBlockStride;
    [[unroll]] for (uint l = 0u; l < kSubBlockValues; ++l) xs[l] = staged[at + l];
}

// Sum of x^2 over the super-block, in order.
float super_block_squares() {
    precise float sum = 0.0;
    for (uint j = 0u; j < kInvocationsPerSuperBlock; ++j) {
        const uint at = unit_slot * kSuperBlockStride + j * kSubBlockStride;
        [[unroll]] for (uint l = 0u; l < kSubBlockValues; ++l) {
            const float v = staged[at + l];
            sum = sum + v * v;
        }
    }
    return sum;
}

// ws = importance * sqrt(sigma2 + x^2) for sub-block j (in xs); returns
// their sum, in order.
float sigma_weights(int j, float sigma2) {
    const uint at = unit_weights + uint(j) * kSubBlockValues;
    precise float total = 0.0;
    for (uint l = 0u; l < kSubBlockValues; ++l) {
        precise float spread = sigma2 + xs[l] * xs[l];
        precise float w = importance[at + l] * fsqrt(spread);
        ws[l] = w;
        total = total + w;
    }
    return total;
}

#endif
