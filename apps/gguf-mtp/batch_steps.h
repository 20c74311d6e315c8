// What a batch run makes of one bundled model, and whether an output it
// finds is already what that step would make.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/io/file_hash.h"

namespace gguf_mtp {

struct BatchStep {
    std::string output;             // relative to the manifest's folder
    std::string role;               // "mtp" or "trunk"
    std::string quantization;       // the preset; empty for the halves as stored
    std::vector<std::string> args;  // the gguf-mtp arguments after the binary, run from the manifest's folder
};

struct StepOptions {
    std::vector<std::string> trunk_presets;
    std::string head_type;        // empty: the head stays as stored
    std::string imatrix;          // relative to the manifest's folder; empty: none
    std::string imatrix_missing;  // passed to quantize as it is
    unsigned threads = 0;         // 0: quantize's default
};

// The head (extract), the trunk (strip), the trunk per preset and the head
// at head_type, each quantized --bundled-with the other half so that they
// hold what the bundled model quantized would. `source` is the model and
// `output_folder` where the outputs go, both relative to the manifest's
// folder.
std::vector<BatchStep> batch_steps(const std::string& source, const std::string& output_folder, const StepOptions& options);

// The listed entry (command inline, see outputs_with_commands) that lets a
// run keep the file it found for `step`: made by the same command, --force
// aside, of the same size and XXH3-128 as `found`, from inputs that have not
// changed. nullopt when the step must run.
std::optional<nlohmann::json> reusable_entry(const BatchStep& step, const nlohmann::json& listed,
                                             const std::optional<gguf::FileHash>& found, bool inputs_unchanged);

// Whether two lists of { path, bytes } input entries name the same files at
// the same sizes, in any order.
bool same_inputs(const nlohmann::json& before, const nlohmann::json& now);

}  // namespace gguf_mtp
