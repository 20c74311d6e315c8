// ggml's per-block scale searches (make_qx_quants with rmse_type 1,
// make_q3_quants, make_qkx2/qkx3_quants, make_qp_quants), written as the CPU core's scalar
// definitions in libgguf/src/quant/cpu/k_quant_search.cpp: same expressions,
// same association, same sequential choice among candidates. They work on the
// invocation's current block `xs` (n <= 32 values) and weights `ws`, and leave
// their quants in `lq`.
#ifndef SEARCHES_GLSL
#define SEARCHES_GLSL

const float kGroupMaxEps = 1e-15;

float xs[32];
float ws[32];
int lq[32];

// The first value of largest magnitude, with its sign.
float signed_absmax(int n, out float amax) {
    amax = 0.0;
    float max_value = 0.0;
    for (int i = 0; i < n; ++i) {
        const float ax = abs(xs[i]);
        if (ax > amax) {
            amax = ax;
            max_value = xs[i];
        }
    }
    return max_value;
}

// Candidate c's numerator of the symmetric inverse scale: -nmax, then
// -(nmax + 0.1 is) for is = -9..-1, 1..9.
float symmetric_numerator(int nmax, int c) {
    if (c == 0) return float(-nmax);
    const int is = c <= 9 ? c - 10 : c - 9;
    precise float tenth = 0.1 * float(is);
    precise float value = float(nmax) + tenth;
    return -value;
}

// make_qx_quants(n, nmax, x, L, 1, w): weights ws, or x^2 when !weighted.
// lq receives l + nmax.
float symmetric_scale(int n, int nmax, bool weighted) {
    float amax;
    const float max_value = signed_absmax(n, amax);
    if (amax < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) lq[i] = 0;
        return 0.0;
    }
    precise float scale = 0.0, best = 0.0;
    float best_iscale = 0.0;
    for (int c = 0; c < 19; ++c) {
        const float iscale = fdiv(symmetric_numerator(nmax, c), max_value);
        precise float sumlx = 0.0, suml2 = 0.0;
        for (int i = 0; i < n; ++i) {
            precise float scaled = iscale * xs[i];
            const int l = clamp(nearest_int(scaled), -nmax, nmax - 1);
            precise float wi = weighted ? ws[i] : xs[i] * xs[i];
            const float lf = float(l);
            precise float wx = wi * xs[i];
            precise float wl = wi * lf;
            sumlx = sumlx + wx * lf;
            suml2 = suml2 + wl * lf;
        }
        if (c == 0) {
            scale = suml2 != 0.0 ? fdiv(sumlx, suml2) : 0.0;
            best = scale * sumlx;
            best_iscale = iscale;
            continue;
        }
        precise float gain = sumlx * sumlx;
        precise float bound = best * suml2;
        if (suml2 > 0.0 && gain > bound) {
            scale = fdiv(sumlx, suml2);
            best = scale * sumlx;
            best_iscale = iscale;
        }
    }
    for (int i = 0; i < n; ++i) {
        precise float scaled = best_iscale * xs[i];
        lq[i] = nmax + clamp(nearest_int(scaled), -nmax, nmax - 1);
    }
    return scale;
}

// make_q3_quants(n, nmax, x, L, do_rmse true): the symmetric grid refined
// value by value, with weights x^2. lq receives l + nmax.
float refined_scale(int n, int nmax) {
    float amax;
    const float max_value = signed_absmax(n, amax);
    if (amax < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) lq[i] = 0;
        return 0.0;
    }
    const float iscale = fdiv(float(-nmax), max_value);
    precise float sumlx = 0.0, suml2 = 0.0;
    for (int i = 0; i < n; ++i) {
        precise float scaled = iscale * xs[i];
        const int l = clamp(nearest_int(scaled), -nmax, nmax - 1);
        lq[i] = l;
        precise float w = xs[i] * xs[i];
        const float lf = float(l);
        precise float wx = w * xs[i];
        precise float wl = w * lf;
        sumlx = sumlx + wx * lf;
        suml2 = suml2 + wl * lf;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            precise float w = xs[i] * xs[i];
            const float li = float(lq[i]);
            precise float wxl = w * xs[i] * li;
            precise float slx = sumlx - wxl;
            if (slx > 0.0) {
                precise float wll = w * li * li;
                precise float sl2 = suml2 - wll;
                precise float prod = xs[i] * sl2;
                const int new_l = clamp(nearest_int(fdiv(prod, slx)), -nmax, nmax - 1);
                if (new_l != lq[i]) {
                    const float nl = float(new_l);
                    precise float wxn = w * xs[i] * nl;
                    precise float wnn = w * nl * nl;
                    slx = slx + wxn;
                    sl2 = sl2 + wnn;
                    precise float lhs = slx * slx * suml2;
                    precise float rhs = sumlx * sumlx * sl2;
                    if (sl2 > 0.0 && lhs > rhs) {
                        lq[i] = new_l;
                        sumlx = slx;
                        suml2 = sl2;
                        ++changed;
                    }
                }
            }
        }
        if (changed == 0) break;
    }
    for (int i = 0; i < n; ++i) lq[i] += nmax;
    return suml2 > 0.0 ? fdiv(sumlx, suml2) : 0.0;
}

// make_qkx2_quants / make_qkx3_quants: candidates (rmin + rdelta is + nmax) /
// (max - min), is = 0..nstep. lq receives quants in [0, nmax]; neg_min the
// negated minimum.
float affine_scale(int n, int nmax, float rmin, float rdelta, int nstep, bool use_mad, out float neg_min) {
    float min_value = xs[0], max_value = xs[0];
    precise float sum_w = ws[0], sum_x = ws[0] * xs[0];
    for (int i = 1; i < n; ++i) {
        if (xs[i] < min_value) min_value = xs[i];
        if (xs[i] > max_value) max_value = xs[i];
        sum_w = sum_w + ws[i];
        precise float wx = ws[i] * xs[i];
        sum_x = sum_x + wx;
    }
    if (min_value > 0.0) min_value = 0.0;
    if (max_value == min_value) {
        for (int i = 0; i < n; ++i) lq[i] = 0;
        neg_min = -min_value;
        return 0.0;
    }
    precise float range = max_value - min_value;
    float iscale = fdiv(float(nmax), range);
    float scale = fdiv(1.0, iscale);
    precise float best_error = 0.0;
    for (int i = 0; i < n; ++i) {
        precise float shifted = xs[i] - min_value;
        precise float scaled = iscale * shifted;
        const int l = clamp(nearest_int(scaled), 0, nmax);
        lq[i] = l;
        precise float diff = scale * float(l) + min_value - xs[i];
        diff = use_mad ? abs(diff) : diff * diff;
        precise float term = ws[i] * diff;
        best_error = best_error + term;
    }
    for (int is = 0; is <= nstep && nstep >= 1; ++is) {
        precise float numerator = rmin + rdelta * float(is) + float(nmax);
        precise float span = max_value - min_value;
        iscale = fdiv(numerator, span);
        precise float sum_l = 0.0, sum_l2 = 0.0, sum_xl = 0.0;
        for (int i = 0; i < n; ++i) {
            precise float shifted = xs[i] - min_value;
            precise float scaled = iscale * shifted;
            const float lf = float(clamp(nearest_int(scaled), 0, nmax));
            precise float wl = ws[i] * lf;
            sum_l = sum_l + wl;
            sum_l2 = sum_l2 + wl * lf;
            sum_xl = sum_xl + wl * xs[i];
        }
        precise float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0.0)) continue;
        precise float num_scale = sum_w * sum_xl - sum_x * sum_l;
        precise float num_min = sum_l2 * sum_x - sum_l * sum_xl;
        float this_scale = fdiv(num_scale, D);
        float this_min = fdiv(num_min, D);
        if (this_min > 0.0) {
            this_min = 0.0;
            this_scale = fdiv(sum_xl, sum_l2);
        }
        precise float err = 0.0;
        for (int i = 0; i < n; ++i) {
            precise float shifted = xs[i] - min_value;
            precise float scaled = iscale * shifted;
            const float lf = float(clamp(nearest_int(scaled), 0, nmax));
            precise float diff = this_scale * lf + this_min - xs[i];
            diff = use_mad ? abs(diff) : diff * diff;
            precise float term = ws[i] * diff;
            err = err + term;
        }
        if (err < best_error) {
            for (int i = 0; i < n; ++i) {
                precise float shifted = xs[i] - min_value;
                precise float scaled = iscale * shifted;
                lq[i] = clamp(nearest_int(scaled), 0, nmax);
            }
            best_error = err;
            scale = this_scale;
            min_value = this_min;
        }
    }
    neg_min = -min_value;
    return scale;
}

// make_qp_quants(n, nmax, v, L, w) for the super-block's scales or minimums
// (n <= 16); levels are kept as ggml's bytes (a negative level wraps).
float positive_scale(int n, int nmax, float v[16], float w[16], out int levels[16]) {
    float max_value = 0.0;
    for (int i = 0; i < n; ++i) max_value = max_value > v[i] ? max_value : v[i];
    if (max_value < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) levels[i] = 0;
        return 0.0;
    }
    float iscale = fdiv(float(nmax), max_value);
    for (int i = 0; i < n; ++i) {
        precise float scaled = iscale * v[i];
        levels[i] = nearest_int(scaled) & 0xff;
    }
    const float scale = fdiv(1.0, iscale);
    precise float best_mse = 0.0;
    for (int i = 0; i < n; ++i) {
        precise float diff = v[i] - scale * float(levels[i]);
        precise float term = w[i] * diff * diff;
        best_mse = best_mse + term;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0) continue;
        precise float numerator = 0.1 * float(is) + float(nmax);
        const float iscale_is = fdiv(numerator, max_value);
        const float scale_is = fdiv(1.0, iscale_is);
        precise float mse = 0.0;
        for (int i = 0; i < n; ++i) {
            precise float scaled = iscale_is * v[i];
            const int l = min(nmax, nearest_int(scaled));
            precise float diff = v[i] - scale_is * float(l);
            precise float term = w[i] * diff * diff;
            mse = mse + term;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    precise float sumlx = 0.0, suml2 = 0.0;
    for (int i = 0; i < n; ++i) {
        precise float scaled = iscale * v[i];
        const int l = min(nmax, nearest_int(scaled));
        levels[i] = l & 0xff;
        const float lf = float(l);
        precise float wx = w[i] * v[i];
        precise float wl = w[i] * lf;
        sumlx = sumlx + wx * lf;
        suml2 = suml2 + wl * lf;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float li = float(levels[i]);
            precise float wxl = w[i] * v[i] * li;
            precise float wll = w[i] * li * li;
            precise float slx = sumlx - wxl;
            precise float sl2 = suml2 - wll;
            if (slx > 0.0 && sl2 > 0.0) {
                precise float prod = v[i] * sl2;
                const int new_l = min(nmax, nearest_int(fdiv(prod, slx)));
                if (new_l != levels[i]) {
                    const float nl = float(new_l);
                    precise float wxn = w[i] * v[i] * nl;
                    precise float wnn = w[i] * nl * nl;
                    slx = slx + wxn;
                    sl2 = sl2 + wnn;
                    precise float lhs = slx * slx * suml2;
                    precise float rhs = sumlx * sumlx * sl2;
                    if (lhs > rhs) {
                        levels[i] = new_l & 0xff;
                        sumlx = slx;
                        suml2 = sl2;
                        ++changed;
                    }
                }
            }
        }
        if (changed == 0) break;
    }
    return suml2 > 0.0 ? fdiv(sumlx, suml2) : 0.0;
}

#endif
