// Block tensors that one supported llama.cpp release reads and another does
// not (the release table's tensor rules): a nemotron MTP block with latent
// projections, a step35 model with fused QKV. One finding per kind of tensor,
// naming its first occurrence, so a model of many blocks gets one line.
#include <map>
#include <utility>

#include "checks.h"
#include "gguf/mtp/mtp.h"

namespace gguf::detail {
namespace {

struct Occurrences {
    std::string first;  // the first tensor of the kind, in file order
    size_t count = 0;
    std::vector<ReleaseVerdict> verdicts;
    std::string_view verb = "runs";  // "loads" when some release's loader refuses it
};

}  // namespace

void check_release_tensors(const Model& model, LlamaRelease release, VerifyReport& report) {
    const Metadata& m = model.metadata();
    const auto arch = m.get_string(keys::kArchitecture);
    const auto block_count = m.get_uint(m.arch_key("block_count"));
    if (!arch || !block_count) return;  // check_block_count reports these
    const uint64_t nextn = m.get_uint(m.arch_key("nextn_predict_layers")).value_or(0);
    const uint64_t first_mtp_block = nextn <= *block_count ? *block_count - nextn : 0;
    // Keyed by the rule that some release applies: each a kind of tensor.
    std::map<std::pair<std::string_view, bool>, Occurrences> kinds;
    for (auto ref : model.tensors()) {
        const std::string& name = model.info(ref).name;
        const int64_t block = block_number(name);
        if (block < 0) continue;
        const bool in_mtp_block = static_cast<uint64_t>(block) >= first_mtp_block;
        std::vector<ReleaseVerdict> verdicts;
        const ArchitectureTensorRule* some_rule = nullptr;
        bool refused = false;
        for (const auto& r : llama_releases()) {
            const ArchitectureTensorRule* rule = tensor_rule(r.release, *arch, name, in_mtp_block);
            verdicts.push_back({r.release, rule == nullptr, rule ? std::string(rule->reason) : std::string()});
            if (!rule) continue;
            some_rule = rule;
            refused = refused || rule->support == TensorSupport::refused;
        }
        if (!some_rule) continue;
        Occurrences& kind = kinds[{some_rule->tensor, in_mtp_block}];
        if (kind.count++ == 0) {
            kind.first = name;
            kind.verdicts = std::move(verdicts);
            kind.verb = refused ? "loads" : "runs";
        }
    }
    for (const auto& [key, kind] : kinds) {
        std::string found = "tensor '" + kind.first + "'" + (key.second ? " in an MTP block" : "");
        if (kind.count > 1) found += " (and " + std::to_string(kind.count - 1) + " more " + std::string(key.first) + ")";
        report_release_verdicts(report, model, Check::release, release, kind.verdicts, kind.verb, found, kind.first);
    }
}

}  // namespace gguf::detail
