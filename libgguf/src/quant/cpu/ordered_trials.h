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

#include <cfloat>

#include "lanes8.h"

namespace gguf::quant {

#if defined(__x86_64__) && defined(__GNUC__)
// Up to MaxChunks chunks of 8 lanes, each lane a position (i1, i2 + lane)
// scored under Patterns patterns; the scan order is chunk, lane, pattern.
template <int Patterns, int MaxChunks>
class OrderedTrials {
public:
    // Appends the trials of lanes 0..count-1 of positions (i1, i2 + lane),
    // their sums written by fill(sumqx, sumq2) (arrays of Patterns Lanes8).
    template <class Fill>
    GGUF_MTP_TARGET_AVX2 void add(int i1, int i2, int count, const Fill& fill) {
        Chunk& c = chunks_[count_++];
        c.i1 = i1;
        c.i2 = i2;
        c.count = count;
        fill(c.sumqx, c.sumq2);
#pragma GCC unroll 4
        for (int k = 0; k < Patterns; ++k) c.score[k] = c.sumqx[k] / c.sumq2[k] * c.sumqx[k];
    }

    // Calls consider(i1, i2, pattern, sumqx, sumq2) on the trials the full
    // scan's end depends on, in scan order; consider is the scan's step.
    template <class Consider>
    GGUF_MTP_TARGET_AVX2 void replay(const Consider& consider) const {
        // The top score and whether any trial leaves the range, with one
        // accumulator per pattern so that no chain of dependent operations
        // runs through every chunk.
        Lanes8 tops[Patterns] = {};
        LaneMask8 wild{};
        for (int i = 0; i < count_; ++i) {
            const Chunk& c = chunks_[i];
#pragma GCC unroll 4
            for (int k = 0; k < Patterns; ++k) {
                const Lanes8 sumqx = c.sumqx[k], sumq2 = c.sumq2[k];
                const LaneMask8 scored = (lane_offsets() < c.count) & (sumq2 > 0);
                wild |= scored & ~((sumq2 >= kLow) & (sumq2 <= kHigh) & (sumqx >= -kHigh) & (sumqx <= kHigh));
                const Lanes8 scored_score = scored ? c.score[k] : Lanes8{};
                tops[k] = reinterpret_cast<Lanes8>(_mm256_max_ps(reinterpret_cast<__m256>(tops[k]), reinterpret_cast<__m256>(scored_score)));
            }
        }
        float top = 0;
        for (const Lanes8& t : tops) {
            for (int i = 0; i < 8; ++i) top = t[i] > top ? t[i] : top;
        }
        if (lane_bits(wild) || !(top >= kLow)) return replay_lanes(consider, [](const Chunk& c) { return (1u << c.count) - 1; });
        const float theta = top * (1 - 0x1p-10f), low = theta * (1 - 0x1p-16f);
        unsigned lanes[MaxChunks];
        for (int i = 0; i < count_; ++i) {
            const Chunk& c = chunks_[i];
            const LaneMask8 in_range = lane_offsets() < c.count;
            LaneMask8 candidate{}, near{};
            for (int k = 0; k < Patterns; ++k) {
                const LaneMask8 scored = in_range & (c.sumq2[k] > 0);
                candidate |= scored & (c.score[k] >= theta);
                near |= scored & (c.score[k] >= low) & (c.score[k] < theta);
            }
            if (lane_bits(near)) return replay_lanes(consider, [](const Chunk& c) { return (1u << c.count) - 1; });
            lanes[i] = lane_bits(candidate);
        }
        replay_lanes(consider, [&](const Chunk& c) { return lanes[&c - chunks_]; });
    }

private:
    // Quantities between these stay clear of overflow and subnormals in
    // every product the test and the score form.
    static constexpr float kLow = 0x1p-40f, kHigh = 0x1p40f;

    struct Chunk {
        Lanes8 sumqx[Patterns], sumq2[Patterns], score[Patterns];
        int i1, i2, count;
    };

    template <class Consider, class Lanes>
    void replay_lanes(const Consider& consider, const Lanes& lanes_of) const {
        for (int i = 0; i < count_; ++i) {
            const Chunk& c = chunks_[i];
            for (unsigned lanes = lanes_of(c); lanes; lanes &= lanes - 1) {
                const int lane = __builtin_ctz(lanes);
                for (int k = 0; k < Patterns; ++k) consider(c.i1, c.i2 + lane, k, c.sumqx[k][lane], c.sumq2[k][lane]);
            }
        }
    }

    Chunk chunks_[MaxChunks];
    int count_ = 0;
};
#endif

}  // namespace gguf::quant
