// The winner of an exhaustive search as ggml's scan in order picks it,
// without running the scan over every trial.
//
// IQ1's split searches score each trial t by two float sums, sumqx_t and
// sumq2_t, and keep a best b that t replaces only if sumq2_t > 0 and
// sumqx_t * sumqx_t > score_b * sumq2_t, score_b = (sumqx_b / sumq2_b) *
// sumqx_b. The scan replaces its best some 30 times per block, each time a
// dependent division, and that dominated the search. Here the trials come
// in 8 lanes at a time, their scores are computed in vectors, and only the
// few trials whose score is near the top are scanned.
//
// Why that scan ends where the full one does: with every quantity in a
// range where float operations round relatively (u = 2^-24, no overflow, no
// subnormal), a trial's score is its exact ratio sumqx^2 / sumq2 within 2u,
// and the test "t replaces b" holds whenever score_t >= score_b * (1 + 5u)
// and fails whenever score_t < score_b * (1 - 5u). Take theta a little below
// the top score and low = theta * (1 - 2^-16), and require no score in
// [low, theta). Then a candidate (score >= theta) replaces any best scoring
// below low, and nothing scoring below low replaces a candidate. So the
// scan's first candidate replaces whatever came before it (the start, score
// -FLT_MAX, included), and after it only candidates replace the best: the
// scan over the candidates alone, in order, ends with the full scan's best.
// Other trials of a candidate's lane are scanned with it; by the same
// argument they cannot change the end. Where the range or gap conditions
// fail (never seen in real weights), every trial is scanned.
//
// Thread safety: a value type; each search owns its own.
#pragma once

#include <bit>
#include <cfloat>
#include <cstdint>

#include "lanes16.h"

namespace gguf::quant {

#if defined(__x86_64__) && defined(__GNUC__)
// Up to MaxChunks chunks of lanes (8 or 16: V is Lanes8 or Lanes16), lane i
// of a chunk the trial position first + i, each position scored under
// Patterns patterns; the scan order is chunk, lane, pattern. The caller
// gives positions their meaning. Its methods compile for the instruction
// set of the run_simd instance they inline into (lanes16.h).
template <int Patterns, int MaxChunks, class V = Lanes8>
class OrderedTrials {
    using Width = LaneWidth<V>;
    using Mask = typename Width::Mask;
    using Unsigned = typename Width::Unsigned;

public:
    // Appends the trials of lanes 0..count-1, positions first + lane, their
    // sums written by fill(sumqx, sumq2) (arrays of Patterns V). Lanes past
    // the count get sums 0, which no scan step takes. A trial's score is
    // kept only where it is scored (sumq2 > 0), else 0.
    template <class Fill>
    void add(int first, int count, const Fill& fill) {
        Chunk& c = chunks_[count_++];
        c.first = first;
        c.count = count;
        fill(c.sumqx, c.sumq2);
        // Each lane's top score over the patterns, and whether any trial
        // leaves the range.
        V best{};
#pragma GCC unroll 4
        for (int k = 0; k < Patterns; ++k) {
            if (count < Width::count) {
                Width::keep_first(count, c.sumqx[k]);
                Width::keep_first(count, c.sumq2[k]);
            }
            const V sumqx = c.sumqx[k], sumq2 = c.sumq2[k];
            // The range test in integer lanes, on bit patterns (see
            // wild()): running extremes, no comparison per trial (five
            // masked comparisons a trial were some 15% of IQ1_M's time).
            const Mask q2_bits = reinterpret_cast<Mask>(sumq2), qx_magnitude = reinterpret_cast<Mask>(sumqx) & 0x7fffffff;
            const Mask larger = q2_bits > qx_magnitude ? q2_bits : qx_magnitude;
            highest_ = highest_ > larger ? highest_ : larger;
            const Unsigned positive_q2 = reinterpret_cast<Unsigned>(q2_bits) - 1u;
            lowest_positive_ = lowest_positive_ < positive_q2 ? lowest_positive_ : positive_q2;
            c.score[k] = sumq2 > 0 ? sumqx / sumq2 * sumqx : V{};
            best = best > c.score[k] ? best : c.score[k];  // as maxps: the second where unordered
        }
        c.best = best;
        tops_ = tops_ > best ? tops_ : best;
    }

    // Calls consider(position, pattern, sumqx, sumq2) on the trials the full
    // scan's end depends on, in scan order; consider is the scan's step.
    // Lane masks are taken as bits at once: GCC 12 splits logic on AVX-512
    // comparison vectors into lanes.
    template <class Consider>
    void replay(const Consider& consider) const {
        // Without wild trials the scored scores are finite and the others 0,
        // so the order of taking the maximum does not matter.
        float top = 0;
        for (int i = 0; i < Width::count; ++i) top = tops_[i] > top ? tops_[i] : top;
        const auto all_lanes = [](const Chunk& c) { return (1u << c.count) - 1; };
        if (wild() || !(top >= kLow)) return replay_lanes(consider, all_lanes);
        const float theta = top * (1 - 0x1p-10f), low = theta * (1 - 0x1p-16f);
        unsigned lanes[MaxChunks];
        for (int i = 0; i < count_; ++i) {
            const Chunk& c = chunks_[i];
            // Unscored trials score 0, below low; scored ones are finite.
            // Most chunks have no lane near the top.
            if (!Width::bits(c.best >= low)) {
                lanes[i] = 0;
                continue;
            }
            unsigned candidate = 0, near = 0;
            for (int k = 0; k < Patterns; ++k) {
                const unsigned above = Width::bits(c.score[k] >= theta);
                candidate |= above;
                near |= Width::bits(c.score[k] >= low) & ~above;
            }
            if (near) return replay_lanes(consider, all_lanes);
            lanes[i] = candidate;
        }
        replay_lanes(consider, [&](const Chunk& c) { return lanes[&c - chunks_]; });
    }

private:
    // Quantities between these stay clear of overflow and subnormals in
    // every product the test and the score form.
    static constexpr float kLow = 0x1p-40f, kHigh = 0x1p40f;

    // Whether a scored trial (sumq2 > 0) may have left the range: a float's
    // bits, read as a signed integer, order the non-negative floats as
    // their values (NaN above infinity) and put the negative ones below
    // zero. So sumq2 > kHigh or any |sumqx| > kHigh (or NaN) shows as a
    // pattern above kHigh's, and 0 < sumq2 < kLow as one whose bits less 1,
    // unsigned, fall below kLow's less 1 (zero wraps to the top, negatives
    // stay above). Unscored trials with a wild sumqx, or NaN sums, count
    // too, which only costs the full scan.
    bool wild() const {
        constexpr int32_t high = std::bit_cast<int32_t>(kHigh);
        constexpr uint32_t low = std::bit_cast<uint32_t>(kLow) - 1u;
        return Width::bits(highest_ > high) || Width::bits(lowest_positive_ < low);
    }

    struct Chunk {
        V sumqx[Patterns], sumq2[Patterns], score[Patterns];
        V best;  // per lane, the top of score[]
        int first, count;
    };

    template <class Consider, class Lanes>
    void replay_lanes(const Consider& consider, const Lanes& lanes_of) const {
        for (int i = 0; i < count_; ++i) {
            const Chunk& c = chunks_[i];
            for (unsigned lanes = lanes_of(c); lanes; lanes &= lanes - 1) {
                const int lane = __builtin_ctz(lanes);
                for (int k = 0; k < Patterns; ++k) consider(c.first + lane, k, c.sumqx[k][lane], c.sumq2[k][lane]);
            }
        }
    }

    Chunk chunks_[MaxChunks];
    int count_ = 0;
    V tops_ = {};  // per lane, the top score of a scored trial, else 0
    // Per lane, the extremes wild() tests: the highest bits of sumq2 and
    // |sumqx|, and the lowest bits less 1 of sumq2, over every trial.
    Mask highest_ = {};
    Unsigned lowest_positive_ = ~Unsigned{};
};
#endif

}  // namespace gguf::quant
