// The llama.cpp releases gguf-mtp matches, and what differs between them, in
// one table (llama_releases.cpp): the next release is a row there plus
// tests. Commands whose output or verdict depends on the release take one
// (`--compat`); the default is the newest.
//
// Thread safety: constant tables; any thread may read them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace gguf {

enum class LlamaRelease { v0_4_0, v0_5_0 };

// How llama.cpp's quantize_row_iq1_m scores a split of a 16-value block:
// v0.4.0 adds each trial's 16 terms afresh; v0.5.0 combines running sums of
// w*x and w per half block. Equal in exact arithmetic, not in floats.
enum class Iq1mSplitScore { full_sums, half_block_prefix_sums };

// How a loader reads a per-layer array (`<arch>.attention.sliding_window_pattern`,
// deepseek4's `attention.compress_ratios`): one entry per block, one per
// trunk block, any length up to the loader's 512 layers, at least one entry
// per block and at most 512, or not at all (the period stays the default).
enum class ArrayLength { every_block, trunk_blocks, up_to_max_layers, every_block_up_to_max_layers, unread };

// Whether a loader needs the key at all, and in which form: a missing
// required key, or a single value where an array is required, stops it
// ("array key not found in model").
enum class KeyPresence { optional, required, required_array };

struct ArchitectureArrayRule {
    std::string_view architecture;
    std::string_view key_suffix;  // after "<arch>."
    ArrayLength length;
    KeyPresence presence = KeyPresence::optional;
};

// Which blocks a tensor rule covers: every blk.N, or the MTP (NextN) blocks
// only, the last <arch>.nextn_predict_layers of <arch>.block_count.
enum class BlockScope { any_block, mtp_blocks };

// What a release does with a tensor that another release reads: its loader
// stops (it creates no such tensor, so the file holds more tensors than it
// takes: "wrong number of tensors"), or it loads the file and its graph,
// which reads other tensors in its place, fails on the first decode.
enum class TensorSupport { refused, loaded_not_run };

// A tensor of an architecture that a release does not read: `tensor` is the
// name after "blk.N." without ".weight"/".bias" ("ffn_latent_down").
struct ArchitectureTensorRule {
    std::string_view architecture;
    std::string_view tensor;
    BlockScope blocks;
    TensorSupport support;
    std::string_view reason;  // what the release reads instead, for findings
};

struct LlamaReleaseRules {
    LlamaRelease release;
    std::string_view name;            // "v0.5.0", as --compat takes it
    std::string_view node_llama_cpp;  // the npm release that ships it prebuilt (the test oracle)
    Iq1mSplitScore iq1m_split_score;
    // Per-architecture arrays read otherwise than one entry per block.
    std::span<const ArchitectureArrayRule> array_rules;
    // Block tensors it does not read where another release does; a tensor
    // not listed is read as every release reads it.
    std::span<const ArchitectureTensorRule> tensor_rules;
};

inline constexpr LlamaRelease kNewestRelease = LlamaRelease::v0_5_0;
inline constexpr uint32_t kLlamaMaxLayers = 512;  // LLAMA_MAX_LAYERS in both releases

// Oldest first.
std::span<const LlamaReleaseRules> llama_releases();
const LlamaReleaseRules& rules_of(LlamaRelease release);
// "v0.4.0", "0.4.0"; nullopt for a release not in the table.
std::optional<LlamaRelease> parse_llama_release(std::string_view name);
// How `key_suffix` of `architecture` is read in `release`: every_block
// unless the table says otherwise.
ArrayLength array_length_rule(LlamaRelease release, std::string_view architecture, std::string_view key_suffix);
// Whether `release` needs `key_suffix` of `architecture`: optional unless the
// table says otherwise.
KeyPresence key_presence_rule(LlamaRelease release, std::string_view architecture, std::string_view key_suffix);
// What `release` does with block tensor `name` ("blk.4.ffn_latent_down.weight")
// of `architecture`, in an MTP block or not; nullptr when it reads it.
const ArchitectureTensorRule* tensor_rule(LlamaRelease release, std::string_view architecture, std::string_view name,
                                          bool in_mtp_block);

}  // namespace gguf
