// How far one model's tensors are from a reference model's: every tensor
// both hold (matched by name, any types gguf-mtp can read as floats) is
// dequantized on both sides and measured (error_stats.h), then summed by
// role (tensor_role.h), by block and over the whole file. What `gguf-mtp
// compare` reports and `--fail-above` judges.
//
// Tensors are read a chunk of rows at a time, so memory stays bounded by
// the chunks in flight whatever the tensors' size; with `sample_rows`, only
// the sampled rows' bytes are read (row_sample.h). Chunks are cut the same
// way whatever the thread count, and their sums merged in chunk order, so
// the numbers do not depend on how many threads ran.
//
// What cannot be measured is listed, not fatal: names in one model only,
// shapes that differ, types that cannot be read as floats. Errors are
// reading failures (the file, the offset and the tensor named).
//
// Thread safety: compare_models only reads its models (which may be shared
// with other readers) and spreads its own work over threads.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/format/tensor_info.h"
#include "gguf/imatrix/imatrix.h"
#include "gguf/plan/writer.h"
#include "gguf/quality/error_stats.h"
#include "gguf/quality/tensor_role.h"
#include "gguf/split/model.h"

namespace gguf {

struct CompareOptions {
    uint64_t sample_rows = 0;         // rows measured per tensor, spread over all its matrices; 0: every row
    const Imatrix* imatrix = nullptr; // importance weights for the weighted error; tensors it lacks count with weight 1
    unsigned threads = 0;             // 0: one per hardware thread
    // Called on the calling thread as chunks complete; bytes count what is
    // read of both models.
    std::function<void(const Progress&)> on_progress;
};

struct TensorComparison {
    std::string name;
    TensorRole role = TensorRole::other;
    int64_t block = -1;  // N of blk.N, -1 for tensors outside blocks
    TensorType reference_type = TensorType::F32;
    TensorType other_type = TensorType::F32;
    std::array<uint64_t, kMaxDims> ne = {1, 1, 1, 1};
    uint64_t rows = 0;           // rows of all matrices
    uint64_t rows_measured = 0;  // rows == rows_measured unless sampled
    bool weighted = false;       // importance weights were found and fit
    ErrorStats stats;
};

struct ShapeMismatch {
    std::string name;
    std::array<uint64_t, kMaxDims> reference_ne = {1, 1, 1, 1};
    std::array<uint64_t, kMaxDims> other_ne = {1, 1, 1, 1};
};

// A tensor left out, or measured without weights, and why.
struct TensorNote {
    std::string name;
    std::string reason;
};

struct GroupComparison {
    size_t tensors = 0;
    ErrorStats stats;  // the tensors' sums added: error energies over reference energies
};

struct CompareResult {
    std::vector<TensorComparison> tensors;  // measured, in the reference's order
    std::vector<std::string> only_in_reference;
    std::vector<std::string> only_in_other;  // in the other model's order
    std::vector<ShapeMismatch> shape_mismatches;
    std::vector<TensorNote> skipped;     // types that cannot be read as floats
    std::vector<TensorNote> unweighted;  // imatrix entries that do not fit the tensor
    std::array<GroupComparison, kTensorRoleCount> by_role;  // indexed by TensorRole
    std::vector<std::pair<int64_t, GroupComparison>> by_block;  // blk.N, ascending
    GroupComparison total;
    uint64_t bytes_read = 0;  // tensor bytes read, both models
};

// Measures `other` against `reference`; MTP blocks are the reference's.
Result<CompareResult> compare_models(const Model& reference, const Model& other, const CompareOptions& options = {});

}  // namespace gguf
