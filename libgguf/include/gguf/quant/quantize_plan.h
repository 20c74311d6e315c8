// Quantization plans as llama-quantize makes them, plus gguf-mtp's policy for
// MTP tensors.
//
// Tensors come in llama-quantize's order (block number, then name; with
// keep_split, shard and file order), keys as it writes them: the input's,
// split keys removed, general.quantization_version and general.file_type
// moved to the end, then the key overrides (the user's, then
// quantize.imatrix.*), then block_count when layers are pruned. Each tensor's
// type comes from quant_mixture.h; a tensor whose type does not change is
// copied byte for byte.
//
// Where gguf-mtp goes beyond llama-quantize:
// - mtp_type sets the type of every tensor in the MTP (NextN) blocks, after
//   the --tensor-type rules and before the preset's mixture;
// - bundled_with chooses each tensor's type as llama-quantize would inside the
//   bundled model made of this file and that one (a trunk and its MTP head):
//   the layer-dependent rules count MTP blocks, so a trunk quantized alone
//   can differ from the same trunk inside the bundled quant;
// - missing_importance decides what happens to a tensor that needs
//   importance data (IQ1/IQ2 types, IQ3_XXS, Q2_K of Q2_K_S) when the imatrix
//   has no entry for it; llama-quantize always stops there.
//
// Thread safety: planning only reads the model and imatrix; the plan it
// returns is a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/error.h"
#include "gguf/imatrix/imatrix.h"
#include "gguf/split/model.h"
#include "gguf/plan/plan.h"
#include "gguf/quant/quant_mixture.h"
#include "gguf/quant/quant_presets.h"
#include "gguf/quant/quantize_tensor.h"

namespace gguf {

enum class MissingImportanceAction {
    error,     // stop, as llama-quantize does
    fallback,  // quantize the tensor to a type that needs no importance data
    uniform,   // quantize to the chosen type with every weight 1
};

struct MissingImportancePolicy {
    MissingImportanceAction action = MissingImportanceAction::fallback;
    TensorType fallback_type = TensorType::Q4_K;
};

// "error", "uniform" or "fallback:TYPE" (TYPE must not need importance data).
Result<MissingImportancePolicy> parse_missing_importance_policy(std::string_view text);
std::string missing_importance_policy_name(const MissingImportancePolicy& policy);

// A key llama-quantize's --override-kv sets (KEY=int:N, float:X, bool:B, str:S).
struct KeyOverride {
    std::string key;
    Value value;
};
Result<KeyOverride> parse_key_override(std::string_view text);

struct QuantizeOptions {
    const QuantPreset* preset = nullptr;
    bool pure = false;
    bool leave_output_tensor = false;
    std::optional<TensorType> output_tensor_type;
    std::optional<TensorType> token_embedding_type;
    std::vector<TensorTypeRule> rules;       // --tensor-type, first match wins
    std::optional<TensorType> mtp_type;
    const Model* bundled_with = nullptr;     // the other half of the bundled model

    const Imatrix* imatrix = nullptr;
    std::string imatrix_path;                // recorded in quantize.imatrix.file
    std::vector<std::string> include_weights;  // keep only imatrix entries whose name contains one of these
    std::vector<std::string> exclude_weights;  // drop imatrix entries whose name contains one of these
    // Applies to tensors the imatrix lacks; without an imatrix only when
    // missing_importance_explicit (else such a tensor is an error, as upstream).
    MissingImportancePolicy missing_importance;
    bool missing_importance_explicit = false;

    std::vector<uint32_t> prune_layers;      // block numbers removed; the rest renumbered
    std::vector<KeyOverride> key_overrides;
    bool keep_split = false;                 // one output shard per input shard
    bool allow_requantize = false;           // dequantize already-quantized inputs
    bool allow_non_finite = false;
    uint64_t chunk_bytes = 64ull << 20;      // f32 input per quantizing chunk (--max-buffer-size)
    LlamaRelease release = kNewestRelease;   // whose llama-quantize the output matches

    // Types for tensors (by output name) that would get the preset's default
    // type (TypeReason::preset), as size_target.h chooses them; naming any
    // other tensor is an error. The mixture's counters run as without them.
    std::map<std::string, TensorType> chosen_types;
};

enum class ImportanceUse {
    not_applicable,  // copied, or a float type
    used,            // quantized with the imatrix entry
    absent,          // quantized without importance data (none given, or no entry)
    uniform,         // needed importance data, had none: uniform weights (policy)
    replaced,        // needed importance data, had none: type replaced (policy)
};

struct PlannedQuantization {
    std::string tensor;                  // output name (renumbered when layers are pruned)
    TensorType from;
    TensorType to;
    TypeChoice choice;                   // why `to` (before the missing-importance policy)
    std::optional<TensorType> alone;     // with bundled_with: the type it would get alone, when different
    ImportanceUse importance = ImportanceUse::not_applicable;
    bool in_mtp_block = false;
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;

    // Quantized with importance weights: its imatrix entry or uniform ones.
    bool weighted() const { return importance == ImportanceUse::used || importance == ImportanceUse::uniform; }
};

struct QuantizePlan {
    Plan plan;
    std::vector<PlannedQuantization> tensors;  // parallel to plan.tensors
    std::vector<uint32_t> shards;              // keep_split: output shard of each tensor; else empty
    uint32_t file_type = 0;
    size_t imatrix_entries = 0;                // entries left after include/exclude
};

// The imatrix's importance weights that plan_quantize quantizes with, by
// input tensor name: the entries --include-weights and --exclude-weights
// leave, each one row of weights per matrix. Empty without an imatrix.
using ImportanceByTensor = std::unordered_map<std::string, std::vector<float>>;
Result<ImportanceByTensor> importance_by_tensor(const QuantizeOptions& options);

// The plan only: its quantized tensors are TransformSources, which
// write_plan runs with a Quantizer (as_transformer) as its transformer.
Result<QuantizePlan> plan_quantize(const Model& model, const QuantizeOptions& options);

}  // namespace gguf
