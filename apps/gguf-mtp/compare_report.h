// How `gguf-mtp compare` renders a CompareResult: tables (per tensor, by
// role, by block, the total, then what was not measured) or the
// gguf-mtp-compare/1 JSON document (see gguf-mtp-compare(1)).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/quality/compare.h"

namespace gguf_mtp {

// What was asked, echoed in the output, and what --fail-above found.
struct CompareRequest {
    std::string reference;
    std::string other;
    std::optional<std::string> imatrix;
    uint64_t sample_rows = 0;
    std::optional<double> fail_above;
};

// The relative RMS error --fail-above judges: the weighted one with an imatrix.
double judged_error(const gguf::TensorComparison& t, const CompareRequest& request);

// Names of the tensors whose judged error is above --fail-above (none without it).
std::vector<std::string> tensors_above(const gguf::CompareResult& result, const CompareRequest& request);

void print_compare_text(const gguf::CompareResult& result, const CompareRequest& request);

nlohmann::json compare_json(const gguf::CompareResult& result, const CompareRequest& request);

}  // namespace gguf_mtp
