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
struct ArrayVerdict {
    bool loads;
    std::string expected;  // "5 (one per block: <arch>.block_count)"
};

ArrayVerdict judge_array(LlamaRelease release, std::string_view arch, std::string_view suffix, const MtpArchitecture* table,
                         uint64_t entries, uint64_t block_count, uint64_t nextn, const std::string& blocks_key) {
    ArrayLength rule = array_length_rule(release, arch, suffix);
    if (rule == ArrayLength::every_block && table && contains(table->trunk_length_arrays, suffix)) rule = ArrayLength::trunk_blocks;
    if (rule == ArrayLength::trunk_blocks && nextn >= block_count) rule = ArrayLength::every_block;
    switch (rule) {
        case ArrayLength::unread: return {true, ""};
        case ArrayLength::up_to_max_layers:
            return {entries <= kLlamaMaxLayers, "at most " + std::to_string(kLlamaMaxLayers) + " (the loader's layer limit)"};
        case ArrayLength::every_block_up_to_max_layers:
            return {entries >= block_count && entries <= kLlamaMaxLayers,
                    std::to_string(block_count) + " to " + std::to_string(kLlamaMaxLayers) + " (one or more per block: " + blocks_key +
                        "; at most the loader's layer limit)"};
        case ArrayLength::trunk_blocks:
            return {entries == block_count - nextn, std::to_string(block_count - nextn) + " (one per trunk block: " + blocks_key + " " +
                                                        std::to_string(block_count) + " less " + std::to_string(nextn) + " NextN)"};
        case ArrayLength::every_block: break;
    }
    return {entries == block_count, std::to_string(block_count) + " (one per block: " + blocks_key + ")"};
}

// "v0.4.0, v0.5.0": the releases whose verdict is `loads`.
std::string releases_where(const std::vector<std::pair<LlamaRelease, ArrayVerdict>>& verdicts, bool loads) {
    std::string names;
    for (const auto& [release, verdict] : verdicts) {
        if (verdict.loads != loads) continue;
        if (!names.empty()) names += ", ";
        names += rules_of(release).name;
    }
    return names;
}

// Reports the releases' verdicts on one key: an error when the release
// verified for refuses it, a warning for each other release that does.
void report_verdicts(VerifyReport& report, const Model& model, LlamaRelease release,
                     const std::vector<std::pair<LlamaRelease, ArrayVerdict>>& verdicts, const std::string& found) {
    const auto& chosen = std::find_if(verdicts.begin(), verdicts.end(), [&](const auto& v) { return v.first == release; })->second;
    const std::string loads_in = releases_where(verdicts, true), fails_in = releases_where(verdicts, false);
    if (fails_in.empty()) return;
    if (!chosen.loads) {
        add_model_finding(report, Check::block_count, model, Severity::error, ErrorCode::mismatch,
            found + ", expected " + chosen.expected + (loads_in.empty() ? "" : "; loads in llama.cpp " + loads_in + ", not in " + fails_in));
        return;
    }
    for (const auto& [other, verdict] : verdicts) {
        if (verdict.loads) continue;
        add_model_finding(report, Check::block_count, model, Severity::warning, ErrorCode::mismatch,
            "loads in llama.cpp " + loads_in + ", not in " + std::string(rules_of(other).name) + ": " + found + ", " +
                std::string(rules_of(other).name) + " expects " + verdict.expected);
    }
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
        std::vector<std::pair<LlamaRelease, ArrayVerdict>> verdicts;
        for (const auto& r : llama_releases()) {
            const KeyPresence presence = key_presence_rule(r.release, arch, suffix);
            const bool loads = value ? presence != KeyPresence::required_array : presence == KeyPresence::optional;
            verdicts.emplace_back(r.release, ArrayVerdict{loads, presence == KeyPresence::required_array ? "an array (one entry per layer)"
                                                                                                          : "the key (a value or an array)"});
        }
        report_verdicts(report, model, release, verdicts, key + (value ? " is a single value" : " is absent"));
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
        std::vector<std::pair<LlamaRelease, ArrayVerdict>> verdicts;
        for (const auto& r : llama_releases()) {
            verdicts.emplace_back(r.release, judge_array(r.release, *arch, suffix, table, kv.value.array_size(), *block_count, nextn, blocks_key));
        }
        report_verdicts(report, model, release, verdicts, kv.key + " has " + std::to_string(kv.value.array_size()) + " entries");
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
