// Every difference between the supported llama.cpp releases that changes a
// byte gguf-mtp writes or a verdict it gives, read from each release's
// sources (ggml/src/ggml-quants.c, src/models/<arch>.cpp).
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

constexpr std::array kReleases = {
    LlamaReleaseRules{LlamaRelease::v0_4_0, "v0.4.0", "3.21.1", Iq1mSplitScore::full_sums, kV040Arrays},
    LlamaReleaseRules{LlamaRelease::v0_5_0, "v0.5.0", "3.22.1", Iq1mSplitScore::half_block_prefix_sums, kV050Arrays},
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

}  // namespace gguf
