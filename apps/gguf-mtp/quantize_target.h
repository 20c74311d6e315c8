// quantize's size target (--target-size, --target-bpw, --candidates,
// --sample-rows) and --write-tensor-type-file, the types a run chose as
// rules that give them again.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "gguf/quant/size_target.h"

namespace gguf_mtp {

struct TargetFlags {
    std::string size;        // --target-size
    std::string bpw;         // --target-bpw
    std::string candidates;  // --candidates, comma-separated
    uint64_t sample_rows = 128;
    std::string type_file;   // --write-tensor-type-file
};

void add_target_options(CLI::App& cmd, TargetFlags& flags);

// The flags checked and parsed; nullopt target without --target-*.
struct TargetRequest {
    std::optional<gguf::SizeTarget> target;
    std::string described;  // the target as given, for messages
    gguf::MeasureOptions measure;
};
// False (and `code` set, after printing the error) when a flag is malformed.
bool parse_target_flags(const TargetFlags& flags, bool has_imatrix, TargetRequest& out, int& code);

// The plan quantize runs: plan_quantize's, or with a target the types of its
// free tensors chosen to fit (a progress bar while measuring, and a line
// saying what was reached).
gguf::Result<gguf::SizedPlan> plan_for_request(const gguf::Model& model, const gguf::QuantizeOptions& options, TargetRequest& request,
                                               unsigned threads, const gguf::WriteOptions& layout);

// Writes every type the plan gives a tensor it quantizes as an exact-name
// PATTERN=TYPE rule, which --tensor-type-file reads back: with the same TYPE
// and options it gives the same types, so the same bytes.
gguf::Status write_type_file(const std::string& path, const gguf::QuantizePlan& plan);

}  // namespace gguf_mtp
