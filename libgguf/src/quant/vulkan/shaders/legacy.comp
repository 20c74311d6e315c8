#version 460
// Legacy 32-value blocks: Q4_0, Q5_0 (symmetric), Q4_1, Q5_1 (affine) and
// Q8_0, chosen by specialization constants; libgguf/src/quant/cpu/legacy.cpp
// is the definition followed operation for operation.
#include "bindings.glsl"
#include "searches.glsl"

layout(constant_id = 0) const int kBits = 4;      // 4, 5 or 8
layout(constant_id = 1) const bool kHasMin = false;

const int kQh = kHasMin ? 4 : 2;                  // byte offsets, as legacy_blocks.h
const int kQs = kQh + (kBits == 5 ? 4 : 0);
const int kBytes = kBits == 8 ? 34 : kQs + 16;

void store_quants(uint out_at) {
    if (kBits == 8) {
        for (int j = 0; j < 32; ++j) dst[out_at + 2 + j] = uint8_t(lq[j] & 0xff);
        return;
    }
    uint high = 0u;
    for (int j = 0; j < 16; ++j) {
        const int lo = lq[j], hi = lq[j + 16];
        if (kBits == 4) {
            dst[out_at + kQs + j] = uint8_t((lo | (hi << 4)) & 0xff);
        } else {
            dst[out_at + kQs + j] = uint8_t((lo & 0x0f) | ((hi & 0x0f) << 4));
            high |= uint((lo & 0x10) >> 4) << j;
            high |= uint((hi & 0x10) >> 4) << (j + 16);
        }
    }
    if (kBits == 5) {
        store_u16(out_at + kQh, high & 0xffffu);
        store_u16(out_at + kQh + 2, high >> 16);
    }
}

void quantize_plain(uint out_at) {
    if (kBits == 8) {
        float amax = 0.0;
        for (int j = 0; j < 32; ++j) {
            const float a = abs(xs[j]);
            amax = amax > a ? amax : a;
        }
        const float d = fdiv(amax, 127.0);
        const float id = d != 0.0 ? fdiv(1.0, d) : 0.0;
        store_u16(out_at, fp32_to_fp16(d));
        for (int j = 0; j < 32; ++j) {
            precise float scaled = xs[j] * id;
            lq[j] = round_half_away(scaled);
        }
    } else if (!kHasMin) {
        const int half_range = 1 << (kBits - 1);
        const int top = (1 << kBits) - 1;
        float amax;
        const float max_value = signed_absmax(32, amax);
        const float d = fdiv(max_value, float(-half_range));
        const float id = d != 0.0 ? fdiv(1.0, d) : 0.0;
        store_u16(out_at, fp32_to_fp16(d));
        for (int j = 0; j < 32; ++j) {
            precise float shifted = xs[j] * id + (float(half_range) + 0.5);
            const int v = bitfieldExtract(truncate_to_int(shifted), 0, 8);  // the int8 cast
            lq[j] = (v < top ? v : top) & 0xff;
        }
    } else {
        const int top = (1 << kBits) - 1;
        float min_value = 3.402823466e38, max_value = -3.402823466e38;
        for (int j = 0; j < 32; ++j) {
            if (xs[j] < min_value) min_value = xs[j];
            if (xs[j] > max_value) max_value = xs[j];
        }
        precise float range = max_value - min_value;
        const float d = fdiv(range, float(top));
        const float id = d != 0.0 ? fdiv(1.0, d) : 0.0;
        store_u16(out_at, fp32_to_fp16(d));
        store_u16(out_at + 2, fp32_to_fp16(min_value));
        for (int j = 0; j < 32; ++j) {
            precise float shifted = (xs[j] - min_value) * id + 0.5;
            const int v = truncate_to_int(shifted);
            if (kBits == 4) {
                const int s = bitfieldExtract(v, 0, 8);
                lq[j] = (s < top ? s : top) & 0xff;
            } else {
                lq[j] = v & 0xff;
            }
        }
    }
}

// With importance: weights importance * sqrt(sigma2 + x^2), then ggml's
// weighted searches (Q8_0 ignores importance, as ggml does).
void quantize_weighted(uint out_at, uint weights_at, float sigma2) {
    for (int j = 0; j < 32; ++j) {
        precise float spread = sigma2 + xs[j] * xs[j];
        precise float w = importance[weights_at + j] * fsqrt(spread);
        ws[j] = w;
    }
    if (kHasMin) {
        float neg_min;
        const float d = affine_scale(32, (1 << kBits) - 1, -0.9, 0.05, 36, false, neg_min);
        store_u16(out_at, fp32_to_fp16(d));
        store_u16(out_at + 2, fp32_to_fp16(-neg_min));
    } else {
        const float d = symmetric_scale(32, 1 << (kBits - 1), true);
        store_u16(out_at, fp32_to_fp16(d));
    }
}

void main() {
    const uint unit = gl_GlobalInvocationID.x;
    if (unit >= params.units) return;
    const uint out_at = unit * uint(kBytes);
    for (int j = 0; j < 32; ++j) xs[j] = src[unit * 32u + uint(j)];
    if (params.weighted != 0u && kBits != 8) {
        const uint row = unit / params.units_per_row;
        quantize_weighted(out_at, (unit % params.units_per_row) * 32u, row_sigma2[row]);
    } else {
        quantize_plain(out_at);
    }
    store_quants(out_at);
}
