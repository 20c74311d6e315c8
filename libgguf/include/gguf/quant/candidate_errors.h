// What each type would cost a quantize plan's tensors: for every tensor the
// plan quantizes, its bytes and its importance-weighted squared error under
// each candidate type, which quantize --target-size chooses from
// (size_target.h).
//
// The error is measured with the real kernels on a reproducible sample of
// rows (quality/row_sample.h): the rows as the quantizer reads them (turned
// into floats), quantized with the importance weights the real quantization
// would use, turned back into floats and compared (quality/error_stats.h),
// the sample's weighted error then scaled to the whole tensor. Tensors whose
// type the preset's default decides (TypeReason::preset) are free and get
// every candidate their rows and importance data allow; every other
// quantized tensor is measured at its planned type only, so totals cover the
// whole file.
//
// Thread safety: measure_candidates reads the plan's input files on its own
// threads; results do not depend on their count.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "gguf/error.h"
#include "gguf/plan/writer.h"
#include "gguf/quant/quantize_plan.h"

namespace gguf {

struct CandidateCost {
    TensorType type;
    uint64_t bytes = 0;  // the tensor's bytes in this type (unpadded)
    double error = 0;    // importance-weighted squared error over the whole tensor (estimated)
};

struct TensorCandidates {
    size_t tensor = 0;   // index into QuantizePlan::tensors
    bool free = false;   // false: only the planned type, measured for the totals
    std::vector<CandidateCost> candidates;  // in the order of MeasureOptions::candidates
};

struct MeasureOptions {
    std::vector<TensorType> candidates;
    uint64_t sample_rows = 128;  // per tensor; 0: every row
    unsigned threads = 0;        // 0: every hardware thread
    // Called after each tensor, one call at a time (from any thread);
    // tensors_* count measured tensors, bytes_* their input bytes.
    std::function<void(const Progress&)> on_progress;
};

// Every tensor `plan` quantizes, or copies where its type is free, with
// its candidates; copied tensors of fixed type (their error is 0) are left
// out. `options` are those the plan was made with.
Result<std::vector<TensorCandidates>> measure_candidates(const QuantizePlan& plan, const QuantizeOptions& options,
                                                         const MeasureOptions& measure);

}  // namespace gguf
