// quantize --reuse: tensors an earlier output already holds are copied from
// it instead of being quantized again.
//
// A tensor is copied only when the earlier output's provenance record
// (provenance.h) shows it was made from the same recipe, and the bytes the
// earlier file holds under that name still have the digest the record
// wrote down: a missing, stale or mismatching record costs a recompute,
// never a wrong copy. Since the kernels are deterministic, the output is
// byte for byte what a fresh run writes.
//
// Thread safety: reads its arguments, changes only `plan`.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/quant/provenance.h"
#include "gguf/quant/quantize_plan.h"
#include "gguf/split/model.h"

namespace gguf {

struct ReuseOutcome {
    size_t quantized = 0;        // tensors the plan quantizes
    size_t reused = 0;           // of those, copied from the earlier output
    double seconds_saved = 0;    // what producing the reused ones took when they were made
    ProvenanceRecord carried;    // their record entries, for the new output's record
};

// Turns each of `plan`'s quantized tensors that `previous` holds, made from
// the same recipe, into a copy from `previous`. Reads the sources and the
// earlier tensors of candidates (those the record names with the same
// target, importance, release and kernels).
Result<ReuseOutcome> reuse_earlier_tensors(QuantizePlan& plan, const Model& previous, const ProvenanceRecord& record);

}  // namespace gguf
