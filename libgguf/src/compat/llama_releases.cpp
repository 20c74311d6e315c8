// Every difference between the supported llama.cpp releases that changes a
// byte gguf-mtp writes or a verdict it gives, read from each release's
// sources (ggml/src/ggml-quants.c, src/models/<arch>.cpp, src/llama-model.cpp).
#include <array>

#include "gguf/compat/llama_release.h"

namespace gguf {
namespace {

constexpr std::string_view kSlidingWindowPattern = "attention.sliding_window_pattern";
constexpr std::string_view kCompressRatios = "attention.compress_ratios";

// v0.4.0: mimo2 and cohere2moe read the pattern for trunk blocks only; the
// exaone models and cohere2 read a period and ignore an array; step35 reads
// one entry per block. mimo2, step35 and cohere2moe need the key, a single
// value or an array (get_key_or_arr). deepseek4 refuses compression ratios
// shorter than block_count and takes any longer list up to 512 (its
// models/deepseek4.cpp is the same in both releases).
constexpr ArchitectureArrayRule kV040Arrays[] = {
    {"mimo2", kSlidingWindowPattern, ArrayLength::trunk_blocks, KeyPresence::required},
    {"step35", kSlidingWindowPattern, ArrayLength::every_block, KeyPresence::required},
    {"cohere2moe", kSlidingWindowPattern, ArrayLength::trunk_blocks, KeyPresence::required},
    {"exaone4", kSlidingWindowPattern, ArrayLength::unread},
    {"exaone-moe", kSlidingWindowPattern, ArrayLength::unread},
    {"cohere2", kSlidingWindowPattern, ArrayLength::unread},
    {"deepseek4", kCompressRatios, ArrayLength::every_block_up_to_max_layers},
};

// v0.5.0 reads the pattern into its fixed per-layer table whatever the
// array's length (llama_model_base::load_swa_pattern, optional, a period or
// an array; get_arr in mimo2 and step35, which needs an array); deepseek4 as
// in v0.4.0.
constexpr ArchitectureArrayRule kV050Arrays[] = {
    {"mimo2", kSlidingWindowPattern, ArrayLength::up_to_max_layers, KeyPresence::required_array},
    {"step35", kSlidingWindowPattern, ArrayLength::up_to_max_layers, KeyPresence::required_array},
    {"cohere2moe", kSlidingWindowPattern, ArrayLength::up_to_max_layers},
    {"exaone4", kSlidingWindowPattern, ArrayLength::up_to_max_layers},
    {"exaone-moe", kSlidingWindowPattern, ArrayLength::up_to_max_layers},
    {"cohere2", kSlidingWindowPattern, ArrayLength::up_to_max_layers},
    {"deepseek4", kCompressRatios, ArrayLength::every_block_up_to_max_layers},
};

// v0.4.0 creates the latent MoE projections (Nemotron 3 Super) for the
// trunk's MoE blocks only (models/nemotron-h.cpp, load_arch_tensors; the
// nemotron_h_moe model reuses it); v0.5.0 for the MTP block too. Both create
// `attn_qkv` for step35's blocks (create_tensor_qkv), but v0.4.0's step35
// graphs, trunk and MTP, multiply by attn_q, attn_k and attn_v (null in a
// fused file); v0.5.0's use build_qkv, which takes either.
constexpr std::string_view kNemotronMtpLatent = "the MTP block's MoE without latent projections";
constexpr std::string_view kStep35SeparateQkv = "separate attn_q, attn_k and attn_v to run";
constexpr ArchitectureTensorRule kV040Tensors[] = {
    {"nemotron_h", "ffn_latent_down", BlockScope::mtp_blocks, TensorSupport::refused, kNemotronMtpLatent},
    {"nemotron_h", "ffn_latent_up", BlockScope::mtp_blocks, TensorSupport::refused, kNemotronMtpLatent},
    {"nemotron_h_moe", "ffn_latent_down", BlockScope::mtp_blocks, TensorSupport::refused, kNemotronMtpLatent},
    {"nemotron_h_moe", "ffn_latent_up", BlockScope::mtp_blocks, TensorSupport::refused, kNemotronMtpLatent},
    {"step35", "attn_qkv", BlockScope::any_block, TensorSupport::loaded_not_run, kStep35SeparateQkv},
};

constexpr std::array kReleases = {
    LlamaReleaseRules{LlamaRelease::v0_4_0, "v0.4.0", "3.21.1", Iq1mSplitScore::full_sums, kV040Arrays, kV040Tensors},
    LlamaReleaseRules{LlamaRelease::v0_5_0, "v0.5.0", "3.22.1", Iq1mSplitScore::half_block_prefix_sums, kV050Arrays, {}},
};

}  // namespace

std::span<const LlamaReleaseRules> llama_releases() { return kReleases; }

const LlamaReleaseRules& rules_of(LlamaRelease release) {
    for (const auto& r : kReleases) {
        if (r.release == release) return r;
    }
    return kReleases.back();
}

std::optional<LlamaRelease> parse_llama_release(std::string_view name) {
    if (name.starts_with('v')) name.remove_prefix(1);
    for (const auto& r : kReleases) {
        if (r.name.substr(1) == name) return r.release;
    }
    return std::nullopt;
}

namespace {

const ArchitectureArrayRule* find_rule(LlamaRelease release, std::string_view architecture, std::string_view key_suffix) {
    for (const auto& rule : rules_of(release).array_rules) {
        if (rule.architecture == architecture && rule.key_suffix == key_suffix) return &rule;
    }
    return nullptr;
}

}  // namespace

ArrayLength array_length_rule(LlamaRelease release, std::string_view architecture, std::string_view key_suffix) {
    const auto* rule = find_rule(release, architecture, key_suffix);
    return rule ? rule->length : ArrayLength::every_block;
}

KeyPresence key_presence_rule(LlamaRelease release, std::string_view architecture, std::string_view key_suffix) {
    const auto* rule = find_rule(release, architecture, key_suffix);
    return rule ? rule->presence : KeyPresence::optional;
}

const ArchitectureTensorRule* tensor_rule(LlamaRelease release, std::string_view architecture, std::string_view name,
                                          bool in_mtp_block) {
    // "blk.N.<tensor>.<weight|bias>"
    if (!name.starts_with("blk.")) return nullptr;
    name.remove_prefix(4);
    const size_t after_block = name.find('.');
    const size_t suffix = name.rfind('.');
    if (after_block == std::string_view::npos || suffix <= after_block) return nullptr;
    const std::string_view tensor = name.substr(after_block + 1, suffix - after_block - 1);
    for (const auto& rule : rules_of(release).tensor_rules) {
        if (rule.architecture != architecture || rule.tensor != tensor) continue;
        if (rule.blocks == BlockScope::mtp_blocks && !in_mtp_block) continue;
        return &rule;
    }
    return nullptr;
}

}  // namespace gguf
