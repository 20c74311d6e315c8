// Which of a model's quantizable tensors an imatrix covers, and how well:
// what llama-quantize would find missing, what it would refuse for a wrong
// size, and which experts the calibration never routed to (their weights
// fall back to 1). Tensors of the model's MTP (NextN) blocks are marked:
// llama-imatrix's forward pass rarely reaches them.
//
// Thread safety: a function of its arguments, which it only reads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/imatrix/imatrix.h"
#include "gguf/split/model.h"

namespace gguf {

enum class CoverageProblem {
    missing,      // no entry for the tensor
    wrong_size,   // an entry whose value count is not ne[0] x experts
    zero_counts,  // an entry with matrices (experts) that have a count of 0
};

std::string_view coverage_problem_name(CoverageProblem problem);  // "missing", "wrong-size", "zero-counts"

struct CoverageFinding {
    std::string tensor;
    CoverageProblem problem = CoverageProblem::missing;
    bool mtp = false;                   // in one of the model's MTP blocks
    uint64_t expected_values = 0;       // ne[0] x experts
    uint64_t found_values = 0;          // the entry's (0 when missing)
    std::vector<uint32_t> zero_matrices;  // zero_counts: which matrices
    uint32_t matrices = 0;              // zero_counts: how many the entry has
};

struct ImatrixCoverage {
    size_t quantizable = 0;       // tensors llama-quantize would quantize
    size_t covered = 0;           // of those, with an entry of the right size
    size_t mtp_quantizable = 0;   // quantizable tensors in MTP blocks
    std::vector<CoverageFinding> findings;  // in the model's tensor order
    std::vector<std::string> unused_entries;  // entries naming no tensor of the model

    size_t count(CoverageProblem problem) const;
};

Result<ImatrixCoverage> imatrix_coverage(const Model& model, const Imatrix& imatrix);

}  // namespace gguf
