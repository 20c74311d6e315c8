// Imatrix files built byte by byte the way llama-imatrix writes them, so
// the tests do not lean on the library's own writer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "gguf/imatrix/imatrix.h"
#include "gguf/split/model.h"
#include "gguf/plan/plan.h"

namespace imatrix_test {

// One GGUF entry: sums row by row, one count per matrix.
struct GgufEntry {
    std::string name;
    uint64_t row = 0;
    std::vector<float> sums;
    std::vector<float> counts;
};

// A GGUF imatrix as llama-imatrix's save_imatrix writes it (entries in the
// order given; give them sorted to match it exactly).
gguf::Plan gguf_imatrix_plan(const std::vector<GgufEntry>& entries, const std::vector<std::string>& datasets, uint32_t chunk_count,
                             uint32_t chunk_size);

// The planned F32 tensor `name` of shape [ne0, ne1] holding `values`.
gguf::PlannedTensor f32_tensor(const std::string& name, uint64_t ne0, uint64_t ne1, std::vector<float> values);

// A legacy .dat imatrix: entries of (name, call count, values), then the
// chunk count and dataset name.
std::vector<uint8_t> legacy_bytes(const std::vector<std::tuple<std::string, int32_t, std::vector<float>>>& entries, int32_t chunks,
                                  const std::string& dataset);

// A GGUF-form imatrix with dense entries, per-expert entries with experts
// never routed to, an entry without data, and values across float's range.
gguf::Imatrix random_imatrix(uint32_t seed);

// Every entry's weights as bit patterns, so comparisons are bit for bit.
std::map<std::string, std::vector<uint32_t>> weight_bits(const gguf::Imatrix& m);

// One entry per quantizable tensor of `model` for which `wanted` holds, as
// llama-imatrix would collect it (one row per expert), with deterministic
// sums and counts; expert 1 of every per-expert tensor was never routed to.
std::vector<GgufEntry> entries_for(const gguf::Model& model, const std::function<bool(const gguf::TensorInfo&)>& wanted);

// An imatrix for `model` as llama-imatrix collects it: every quantizable
// tensor outside the MTP blocks (block number below n_layer).
gguf::Plan trunk_imatrix_plan(const gguf::Model& model, int64_t n_layer);

}  // namespace imatrix_test
