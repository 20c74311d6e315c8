// Which type each tensor gets, as llama-quantize decides it.
//
// llama-quantize walks the tensors in one order and keeps counters (how many
// attn_v and ffn_down tensors it has seen), so a tensor's type can depend on
// the tensors before it and on the model's hyperparameters: the preset's
// mixture rules bump attn_v, ffn_down, attn_output, the output head and the
// token embeddings; --tensor-type patterns, --output-tensor-type and
// --token-embedding-type override them; rows that do not divide into the
// type's blocks fall back to a smaller block type. choose_tensor_types
// reproduces those decisions for a list of tensors in llama-quantize's order.
//
// Thread safety: functions of their arguments; a TensorTypeRule's regex is
// only read.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/mtp/mtp.h"
#include "gguf/format/metadata.h"
#include "gguf/quant/quant_presets.h"
#include "gguf/format/tensor_info.h"

namespace gguf {

// llama-quantize's rule for which tensors it quantizes at all (2+ dims,
// a "weight" name, not a norm, not one of the tensors it keeps exact).
// --leave-output-tensor and COPY are the caller's business.
bool tensor_allows_quantization(const TensorInfo& tensor);

// Whether llama-quantize refuses to write `tensor` as `target` without an
// imatrix entry: those that become IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S or
// IQ3_XXS, and Q2_K inside a Q2_K_S file; token_embd and output excepted.
// (requires_importance, quant/cpu/quantize.h, is the kernel's own need.)
bool refused_without_imatrix(const std::string& tensor, TensorType target, FileType file_type);

// The type a tensor gets when `target` does not divide its rows into whole
// blocks (llama-quantize's fallback, F16 when even that does not fit), or
// `target` itself; an error for block types with no fallback defined.
Result<TensorType> fallback_type(const TensorInfo& tensor, TensorType target);

// The hyperparameters the rules read, from a model's metadata.
struct MixtureModel {
    std::string arch;
    uint32_t layer_count = 0;  // block_count, MTP (NextN) blocks included
    uint32_t nextn_layers = 0;
    uint32_t expert_count = 0;
    uint32_t gqa = 0;          // head_count / head_count_kv of layer 0; 0 without kv heads
    bool is_70b = false;       // llama.cpp's LLM_TYPE_70B, which gets bigger attn_v types

    MtpBlockRange mtp_blocks() const { return {layer_count, nextn_layers}; }

    static Result<MixtureModel> from_metadata(const Metadata& metadata, const std::string& path);
};

// One --tensor-type rule: a regular expression (ECMAScript, searched in the
// tensor name) and the type of the tensors it matches. The first rule that
// matches a tensor decides its type.
struct TensorTypeRule {
    std::string pattern;
    TensorType type;
};

struct MixtureOptions {
    const QuantPreset* preset = nullptr;
    bool pure = false;                    // every tensor the preset's default type
    bool quantize_output_tensor = true;   // false: --leave-output-tensor
    bool has_imatrix = false;             // some rules differ with importance data
    std::optional<TensorType> output_tensor_type;
    std::optional<TensorType> token_embedding_type;
    std::vector<TensorTypeRule> rules;
};

enum class TypeReason {
    kept,             // not quantized (norms, 1-D, routers, COPY, --leave-output-tensor)
    preset,           // the preset's default type
    mixture,          // one of the preset's mixture rules
    rule,             // a --tensor-type rule
    output_option,    // --output-tensor-type
    token_embd_option,// --token-embedding-type
    size_target,      // chosen to fit a size (QuantizeOptions::chosen_types, size_target.h)
};

struct TypeChoice {
    TensorType type;
    TypeReason reason;
    std::optional<TensorType> before_fallback;  // set when the shape forced a fallback
    int rule_index = -1;                         // the --tensor-type rule that matched
};

// Types for `tensors`, given in llama-quantize's order (see quantize_plan.h).
Result<std::vector<TypeChoice>> choose_tensor_types(std::span<const TensorInfo* const> tensors, const MixtureModel& model,
                                                    const MixtureOptions& options);

}  // namespace gguf
