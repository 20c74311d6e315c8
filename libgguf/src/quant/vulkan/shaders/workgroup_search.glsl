// Neighbour searches of IQ2 groups (8 coordinates, 2-bit levels) shared by
// the whole workgroup, longest neighbour lists first.
//
// Why: each invocation fits one block, and its off-grid groups' lists hold 1
// to 292 neighbours. Searched where they arise, a subgroup waits on its
// longest list at every group of every trial, about 3.5 times the work its
// invocations need on average. In a search round every invocation publishes
// the keys of its off-grid groups; the workgroup sorts them by list length
// (a counting sort on shared memory), searches them spread over all
// invocations so that neighbouring invocations get lists of about one
// length, and each invocation reads back its groups' grid points.
//
// Each search is nearest_neighbour_8x2 on the same magnitudes, weights and
// scale, so the points found are the ones the invocation would have found.
// Every invocation of the workgroup must call search_round equally often.
#ifndef WORKGROUP_SEARCH_GLSL
#define WORKGROUP_SEARCH_GLSL

#include "lattice.glsl"
#include "iq_blocks.glsl"

// Values per block (kSearchBlock) and groups of 8 per block; the including
// shader defines both.
const uint kSearchWorkgroup = 64u;  // local_size_x, compute_shader.glsl
const uint kSearchSlots = kSearchWorkgroup * uint(kSearchGroups);
const uint kListBins = 32u;  // lists of 4 * bin - 3 .. 4 * bin neighbours, the last bin everything longer

shared float search_x[kSearchWorkgroup * uint(kSearchBlock)];  // each block's magnitudes
shared float search_w[kSearchWorkgroup * uint(kSearchBlock)];  // and search weights
shared float search_scale[kSearchWorkgroup];  // the scale of each block's round
shared uint list_bins[kListBins];              // keys per bin, longest bin first
shared uint search_tasks[kSearchSlots];        // slot << 16 | key, sorted
shared uint search_found[kSearchSlots];        // grid index per slot (block * groups + group)

// This invocation's block's magnitudes and search weights (xval and waux,
// iq_blocks.glsl) for everyone's searches; and the bins emptied for the
// first round.
void share_block() {
    const uint at = gl_LocalInvocationID.x * uint(kSearchBlock);
    for (int i = 0; i < kSearchBlock; ++i) {
        search_x[at + uint(i)] = xval[i];
        search_w[at + uint(i)] = waux[i];
    }
    if (gl_LocalInvocationID.x == 0u) {
        for (uint b = 0u; b < kListBins; ++b) list_bins[b] = 0u;
    }
    barrier();
}

// One round: group k of this invocation's block is searched at `scale` where
// searched[k]; its grid index is then found_index(k).
void search_round(float scale, bool searched[4], uint keys[4]) {
    const uint self = gl_LocalInvocationID.x;
    uint bin[4], place[4];
    search_scale[self] = scale;
    for (int k = 0; k < kSearchGroups; ++k) {
        bin[k] = 0u;
        place[k] = 0u;
        if (!searched[k]) continue;
        uint first, count;
        neighbour_list(keys[k], first, count);
        bin[k] = kListBins - 1u - min((count + 3u) / 4u, kListBins - 1u);
        place[k] = atomicAdd(list_bins[bin[k]], 1u);
    }
    barrier();
    uint total = 0u;
    uint before[4];
    for (int k = 0; k < kSearchGroups; ++k) before[k] = 0u;
    for (uint b = 0u; b < kListBins; ++b) {
        const uint n = list_bins[b];
        for (int k = 0; k < kSearchGroups; ++k) before[k] += b < bin[k] ? n : 0u;
        total += n;
    }
    for (int k = 0; k < kSearchGroups; ++k) {
        if (searched[k]) search_tasks[before[k] + place[k]] = (self * uint(kSearchGroups) + uint(k)) << 16 | keys[k];
    }
    barrier();
    if (self == 0u) {
        for (uint b = 0u; b < kListBins; ++b) list_bins[b] = 0u;  // read by all before the barrier above
    }
    for (uint t = self; t < total; t += kSearchWorkgroup) {
        const uint task = search_tasks[t];
        const uint slot = task >> 16;
        const uint block = slot / uint(kSearchGroups);
        const uint at = block * uint(kSearchBlock) + 8u * (slot % uint(kSearchGroups));
        float x[8], w[8];
        for (int i = 0; i < 8; ++i) {
            x[i] = search_x[at + uint(i)];
            w[i] = search_w[at + uint(i)];
        }
        search_found[slot] = uint(nearest_neighbour_8x2(task & 0xffffu, x, w, search_scale[block], kOddValues));
    }
    barrier();
}

// The levels of the points found in the last round for the searched groups
// of this invocation's block, into levels.
void take_found(bool searched[4], inout int levels[32]) {
    for (int k = 0; k < kSearchGroups; ++k) {
        if (!searched[k]) continue;
        const uint p = point_key(int(search_found[gl_LocalInvocationID.x * uint(kSearchGroups) + uint(k)]));
        for (int i = 0; i < 8; ++i) levels[8 * k + i] = level_at(p, 2, i);
    }
}

#endif
