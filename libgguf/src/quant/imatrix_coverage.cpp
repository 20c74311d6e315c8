#include "gguf/quant/imatrix_coverage.h"

#include <algorithm>
#include <set>

#include "gguf/mtp/mtp.h"
#include "gguf/quant/quantize_plan.h"

namespace gguf {

std::string_view coverage_problem_name(CoverageProblem problem) {
    switch (problem) {
        case CoverageProblem::missing: return "missing";
        case CoverageProblem::wrong_size: return "wrong-size";
        case CoverageProblem::zero_counts: return "zero-counts";
    }
    return "unknown";
}

size_t ImatrixCoverage::count(CoverageProblem problem) const {
    return static_cast<size_t>(std::ranges::count(findings, problem, &CoverageFinding::problem));
}

Result<ImatrixCoverage> imatrix_coverage(const Model& model, const Imatrix& imatrix) {
    auto mtp = summarize_mtp(model);
    if (!mtp) return std::unexpected(mtp.error());
    ImatrixCoverage out;
    std::set<std::string> tensor_names;
    for (auto ref : model.tensors()) {
        const TensorInfo& t = model.info(ref);
        tensor_names.insert(t.name);
        if (!tensor_allows_quantization(t)) continue;
        ++out.quantizable;
        CoverageFinding f;
        f.tensor = t.name;
        f.mtp = mtp->range().contains(block_number(t.name));
        out.mtp_quantizable += f.mtp ? 1 : 0;
        // As llama-quantize checks it: one row of weights per expert.
        f.expected_values = t.ne[0] * std::max<uint64_t>(t.ne[2], 1);
        auto it = imatrix.entries.find(t.name);
        if (it == imatrix.entries.end()) {
            out.findings.push_back(std::move(f));
            continue;
        }
        const ImatrixEntry& e = it->second;
        f.found_values = e.sums.size();
        if (f.found_values != f.expected_values) {
            f.problem = CoverageProblem::wrong_size;
            out.findings.push_back(std::move(f));
            continue;
        }
        ++out.covered;
        for (size_t j = 0; j < e.counts.size(); ++j) {
            if (e.counts[j] == 0) f.zero_matrices.push_back(static_cast<uint32_t>(j));
        }
        if (!f.zero_matrices.empty()) {
            f.problem = CoverageProblem::zero_counts;
            f.matrices = static_cast<uint32_t>(e.counts.size());
            out.findings.push_back(std::move(f));
        }
    }
    for (const auto& [name, e] : imatrix.entries) {
        if (!tensor_names.contains(name)) out.unused_entries.push_back(name);
    }
    return out;
}

}  // namespace gguf
