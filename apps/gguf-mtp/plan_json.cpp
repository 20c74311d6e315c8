#include "plan_json.h"

#include <variant>

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
    return doc;
}

}  // namespace gguf_mtp
