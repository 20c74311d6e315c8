#include "plan_json.h"

#include <algorithm>
#include <variant>

#include "gguf/io/remote.h"

namespace gguf_mtp {
namespace {

nlohmann::json input_json(const gguf::CopySource& input) {
    return {{"file", input.file->path()}, {"tensor", input.file->tensors()[input.tensor_index].name}};
}

nlohmann::json tensor_json(const gguf::PlannedTensor& t) {
    nlohmann::json out = {{"name", t.info.name}, {"type", gguf::type_display_name(t.info.type)}, {"bytes", t.info.n_bytes}};
    if (const auto* copy = std::get_if<gguf::CopySource>(&t.source)) {
        out["source"] = "copy";
        out["input"] = input_json(*copy);
    } else if (const auto* transform = std::get_if<gguf::TransformSource>(&t.source)) {
        const gguf::TensorInfo& from = transform->input.file->tensors()[transform->input.tensor_index];
        out["source"] = "transform";
        out["input"] = input_json(transform->input);
        out["from"] = gguf::type_display_name(from.type);
        out["importance_matrices"] = from.ne[0] == 0 ? 0 : transform->importance.size() / from.ne[0];
    } else {
        out["source"] = std::holds_alternative<gguf::FillSource>(t.source) ? "fill" : "stream";
    }
    return out;
}

}  // namespace

nlohmann::json plan_json(const gguf::Plan& plan, const std::vector<gguf::ShardLayout>& layout) {
    nlohmann::json doc;
    doc["schema"] = "gguf-mtp-plan/1";
    doc["files"] = nlohmann::json::array();
    for (const auto& f : layout) {
        nlohmann::json tensors = nlohmann::json::array();
        for (size_t i : f.tensors) tensors.push_back(tensor_json(plan.tensors[i]));
        doc["files"].push_back({{"path", f.path}, {"bytes", f.file_bytes}, {"tensors", std::move(tensors)}});
    }
    doc["keys"] = plan.metadata.size();
    if (const auto reads = remote_reads(plan); !reads.empty()) {
        doc["fetch"] = nlohmann::json::array();
        for (const auto& r : reads) doc["fetch"].push_back({{"url", r.name}, {"bytes", r.bytes}});
    }
    return doc;
}

std::vector<RemoteRead> remote_reads(const gguf::Plan& plan) {
    std::vector<RemoteRead> reads;
    for (const auto& t : plan.tensors) {
        const gguf::CopySource* input = std::get_if<gguf::CopySource>(&t.source);
        if (const auto* transform = std::get_if<gguf::TransformSource>(&t.source)) input = &transform->input;
        if (!input || !gguf::is_remote(input->file->path())) continue;
        const std::string& name = input->file->path();
        auto it = std::find_if(reads.begin(), reads.end(), [&](const RemoteRead& r) { return r.name == name; });
        if (it == reads.end()) it = reads.insert(reads.end(), {name, 0, input->file});
        it->bytes += input->file->tensors()[input->tensor_index].n_bytes;
    }
    return reads;
}

}  // namespace gguf_mtp
