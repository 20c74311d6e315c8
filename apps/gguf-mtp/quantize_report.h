// What quantize tells the user: the per-tensor plan (--dry-run), and after a
// run the tensors that got no importance data, as text or JSON.
#pragma once

#include <optional>
#include <string>

#include "gguf/quant/quantize_plan.h"
#include "gguf/plan/writer.h"

namespace gguf_mtp {

// quantize --reuse: what the earlier output spared.
struct ReuseFacts {
    std::string previous;     // the earlier output, as given
    size_t quantized = 0;     // tensors the plan quantizes
    size_t reused = 0;        // of those, copied from `previous`
    double seconds_saved = 0; // what making the reused ones took, as recorded
    std::string record_problem;  // why no tensor could be reused, when the record was unusable
};

struct QuantizeRunFacts {
    std::string input;
    std::string preset;
    std::string imatrix;        // path, empty without one
    std::string missing_policy; // --imatrix-missing as given or defaulted
    std::optional<ReuseFacts> reuse;
    bool written = false;
    double seconds = 0;
};

// The per-tensor table: name, source type, target type, why, importance, bytes.
void print_quantize_table(const gguf::QuantizePlan& plan);

// The closing lines: totals, and every tensor quantized without importance data.
void print_quantize_summary(const gguf::QuantizePlan& plan, const QuantizeRunFacts& facts);

// The plan or the report as JSON (schema gguf-mtp-quantize/1) on stdout.
void print_quantize_json(const gguf::QuantizePlan& plan, const std::vector<gguf::ShardLayout>& files, const QuantizeRunFacts& facts);

}  // namespace gguf_mtp
