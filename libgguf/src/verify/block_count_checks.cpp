// Per-layer hyperparameters and blk.N tensors against <arch>.block_count:
// llama.cpp refuses a per-layer array of any other length ("wrong array
// length") and has no block for a tensor numbered beyond the count.
#include <algorithm>

#include "checks.h"
#include "gguf/compat/llama_release.h"
#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"

namespace gguf::detail {
namespace {

// `<arch>.<suffix>` keys that llama.cpp reads as one value or one entry per
// block (get_key_or_arr with the layer count), from src/models/*.cpp and
// llama-model.cpp of the reference release.
constexpr std::string_view kPerLayerKeys[] = {
    "feed_forward_length",      "attention.head_count",     "attention.head_count_kv",
    "expert_feed_forward_length", "expert_used_count",      "swiglu_clamp_exp",
    "swiglu_clamp_shexp",       "attention.sliding_window_pattern", "attention.recurrent_layers",
    "attention.compress_ratios", "attention.indexer.types",
};

bool contains(std::span<const std::string_view> list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// Whether a release's loader takes an array of `entries` for `suffix`, and
// what it expects when it does not.
ReleaseVerdict judge_array(LlamaRelease release, std::string_view arch, std::string_view suffix, const MtpArchitecture* table,
                         uint64_t entries, uint64_t block_count, uint64_t nextn, const std::string& blocks_key) {
    ArrayLength rule = array_length_rule(release, arch, suffix);
    if (rule == ArrayLength::every_block && table && contains(table->trunk_length_arrays, suffix)) rule = ArrayLength::trunk_blocks;
    if (rule == ArrayLength::trunk_blocks && nextn >= block_count) rule = ArrayLength::every_block;
    switch (rule) {
        case ArrayLength::unread: return {release, true, ""};
        case ArrayLength::up_to_max_layers:
            return {release, entries <= kLlamaMaxLayers, "at most " + std::to_string(kLlamaMaxLayers) + " (the loader's layer limit)"};
        case ArrayLength::every_block_up_to_max_layers:
            return {release, entries >= block_count && entries <= kLlamaMaxLayers,
                    std::to_string(block_count) + " to " + std::to_string(kLlamaMaxLayers) + " (one or more per block: " + blocks_key +
                        "; at most the loader's layer limit)"};
        case ArrayLength::trunk_blocks:
            return {release, entries == block_count - nextn, std::to_string(block_count - nextn) + " (one per trunk block: " + blocks_key + " " +
                                                        std::to_string(block_count) + " less " + std::to_string(nextn) + " NextN)"};
        case ArrayLength::every_block: break;
    }
    return {release, entries == block_count, std::to_string(block_count) + " (one per block: " + blocks_key + ")"};
}

// Keys some release needs present, or present as an array (mimo2's and
// step35's sliding_window_pattern in v0.5.0): absent or a single value
// there, the loader stops.
void check_key_presence(const Model& model, std::string_view arch, LlamaRelease release, VerifyReport& report) {
    std::vector<std::string_view> suffixes;
    for (const auto& r : llama_releases()) {
        for (const auto& rule : r.array_rules) {
            if (rule.architecture == arch && rule.presence != KeyPresence::optional && !contains(suffixes, rule.key_suffix)) {
                suffixes.push_back(rule.key_suffix);
            }
        }
    }
    const Metadata& m = model.metadata();
    for (std::string_view suffix : suffixes) {
        const std::string key = std::string(arch) + "." + std::string(suffix);
        const Value* value = m.find(key);
        if (value && value->is_array()) continue;  // its length is check_block_count's
        std::vector<ReleaseVerdict> verdicts;
        for (const auto& r : llama_releases()) {
            const KeyPresence presence = key_presence_rule(r.release, arch, suffix);
            const bool loads = value ? presence != KeyPresence::required_array : presence == KeyPresence::optional;
            verdicts.push_back({r.release, loads, presence == KeyPresence::required_array ? "an array (one entry per layer)"
                                                                                          : "the key (a value or an array)"});
        }
        report_release_verdicts(report, model, Check::block_count, release, verdicts, "loads",
                                key + (value ? " is a single value" : " is absent"));
    }
}

}  // namespace

void check_block_count(const Model& model, LlamaRelease release, VerifyReport& report) {
    const Metadata& m = model.metadata();
    const auto arch = m.get_string(keys::kArchitecture);
    if (!arch) return;
    const std::string blocks_key = m.arch_key("block_count");
    const Value* blocks_value = m.find(blocks_key);
    if (!blocks_value) {
        for (auto ref : model.tensors()) {
            if (block_number(model.info(ref).name) < 0) continue;
            // llama.cpp requires the key of every architecture it loads; other
            // GGUF users may not, so this alone does not fail verification.
            add_model_finding(report, Check::block_count, model, Severity::warning, ErrorCode::not_found,
                "tensor '" + model.info(ref).name + "' belongs to a block but " + blocks_key + " is absent",
                model.info(ref).name);
            return;
        }
        return;
    }
    const auto block_count = blocks_value->as_uint();
    if (!block_count) {
        add_model_finding(report, Check::block_count, model, Severity::error, ErrorCode::bad_format, blocks_key + " is not a block count: " + blocks_value->to_display());
        return;
    }
    const uint64_t nextn = m.get_uint(m.arch_key("nextn_predict_layers")).value_or(0);
    const MtpArchitecture* table = find_mtp_architecture(*arch);
    const std::string prefix = std::string(*arch) + ".";
    for (const auto& kv : m.entries()) {
        if (!kv.value.is_array() || kv.key.rfind(prefix, 0) != 0) continue;
        const std::string_view suffix = std::string_view(kv.key).substr(prefix.size());
        if (!contains(kPerLayerKeys, suffix)) continue;
        std::vector<ReleaseVerdict> verdicts;
        for (const auto& r : llama_releases()) {
            verdicts.push_back(judge_array(r.release, *arch, suffix, table, kv.value.array_size(), *block_count, nextn, blocks_key));
        }
        report_release_verdicts(report, model, Check::block_count, release, verdicts, "loads",
                                kv.key + " has " + std::to_string(kv.value.array_size()) + " entries");
    }
    check_key_presence(model, *arch, release, report);
    for (auto ref : model.tensors()) {
        const auto& name = model.info(ref).name;
        const int64_t b = block_number(name);
        if (b < 0 || static_cast<uint64_t>(b) < *block_count) continue;
        add_model_finding(report, Check::block_count, model, Severity::error, ErrorCode::mismatch,
                  "tensor '" + name + "' is in block " + std::to_string(b) + " but " + blocks_key + " is " +
                      std::to_string(*block_count) + " (blocks 0.." + std::to_string(*block_count - 1) + ")",
                  name);
    }
}

}  // namespace gguf::detail
