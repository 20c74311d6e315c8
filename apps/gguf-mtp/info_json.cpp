#include "info_report.h"

#include "gguf/format/file_type.h"
#include "gguf/mtp/mtp_surgery.h"

namespace gguf_mtp {

using nlohmann::json;

gguf::Result<ModelDialect> model_dialect(const gguf::Model& model) {
    std::vector<gguf::TensorInfo> infos;
    for (auto ref : model.tensors()) infos.push_back(model.info(ref));
    auto runtimes = gguf::file_runtimes(infos, model.path());
    if (!runtimes) return std::unexpected(runtimes.error());
    return ModelDialect{*runtimes, model.shard(0).header().dialect};
}

std::string file_type_text(const gguf::Metadata& metadata, gguf::Dialect dialect) {
    auto file_type = metadata.get_uint(gguf::keys::kFileType);
    return file_type ? gguf::file_type_label(*file_type, dialect) : "(none)";
}

std::map<std::string, TypeTotal> totals_by_type(const gguf::Model& model) {
    std::map<std::string, TypeTotal> totals;
    for (auto ref : model.tensors()) {
        const auto& t = model.info(ref);
        auto& total = totals[gguf::type_label(t.type)];
        ++total.tensors;
        total.bytes += t.n_bytes;
    }
    return totals;
}

namespace {

constexpr uint64_t kPreviewElements = 8;

json scalar_json(const gguf::Value& v) {
    if (auto s = v.as_string()) return std::string(*s);
    if (auto b = v.as_bool()) return *b;
    if (auto f = v.as_float()) return *f;
    if (v.type() == gguf::ValueType::u64) return *v.as_uint();
    if (auto i = v.as_int()) return *i;
    return nullptr;
}

json value_json(const gguf::Value& v, bool full) {
    if (!v.is_array()) return scalar_json(v);
    json items = json::array();
    for (const auto& e : v.elements(full ? UINT64_MAX : kPreviewElements)) items.push_back(value_json(e, full));
    return items;
}

json entry_json(const gguf::KeyValue& kv, bool full) {
    json e = {{"key", kv.key}, {"type", gguf::value_type_name(kv.value.type())}};
    if (kv.value.is_array()) {
        e["element_type"] = gguf::value_type_name(kv.value.element_type());
        e["count"] = kv.value.array_size();
        e["complete"] = full || kv.value.array_size() <= kPreviewElements;
    }
    e["value"] = value_json(kv.value, full);
    return e;
}

}  // namespace

json info_json(const gguf::Model& model, const gguf::MtpSummary& mtp, const ModelDialect& dialect, const InfoOptions& options,
               const std::optional<std::regex>& filter) {
    const gguf::GgufFile& first = model.shard(0);
    json doc;
    doc["schema"] = "gguf-mtp-info/1";
    doc["files"] = json::array();
    for (uint32_t s = 0; s < model.shard_count(); ++s) {
        const auto& f = model.shard(s);
        doc["files"].push_back({{"path", f.path()}, {"bytes", f.file_size()}, {"tensors", f.tensors().size()},
                                {"data_offset", f.data_offset()}});
    }
    doc["gguf_version"] = first.version();
    doc["alignment"] = first.alignment();
    doc["architecture"] = std::string(model.metadata().get_string(gguf::keys::kArchitecture).value_or(""));
    doc["runtimes"] = gguf::runtimes_name(dialect.runtimes);
    doc["dialect"] = gguf::dialect_name(dialect.dialect);
    if (auto file_type = model.metadata().get_uint(gguf::keys::kFileType)) {
        doc["file_type"] = {{"value", *file_type}, {"name", gguf::file_type_label(*file_type, dialect.dialect)}};
    } else {
        doc["file_type"] = nullptr;
    }
    doc["metadata"] = json::array();
    for (const auto& kv : model.metadata().entries()) doc["metadata"].push_back(entry_json(kv, options.all_keys));

    json tensors = json::array();
    for (auto ref : model.tensors()) {
        const auto& t = model.info(ref);
        if (filter && !std::regex_search(t.name, *filter)) continue;
        json shape = json::array();
        for (uint32_t d = 0; d < t.n_dims; ++d) shape.push_back(t.ne[d]);
        tensors.push_back({{"name", t.name}, {"type", gguf::type_display_name(t.type)}, {"shape", shape},
                           {"file", ref.shard}, {"offset", model.shard(ref.shard).tensor_file_offset(ref.index)},
                           {"bytes", t.n_bytes}});
    }
    doc["tensors"] = std::move(tensors);
    json totals = json::object();
    for (const auto& [type, total] : totals_by_type(model)) totals[type] = {{"tensors", total.tensors}, {"bytes", total.bytes}};
    doc["totals_by_type"] = std::move(totals);
    doc["tensor_count"] = model.tensors().size();
    doc["tensor_bytes"] = model.total_tensor_bytes();
    // What merge compares to pair a head with a trunk.
    doc["tokenizer_hash"] = gguf::tokenizer_hash(model.metadata());
    doc["mtp"] = {{"layout", gguf::mtp_layout_name(mtp.layout)}, {"nextn_predict_layers", mtp.nextn_layers},
                  {"block_count", mtp.block_count}, {"blocks", mtp.blocks}, {"tensors", mtp.tensors},
                  {"bytes", mtp.bytes}};
    const auto* table = gguf::find_mtp_architecture(doc["architecture"].get<std::string>());
    doc["mtp"]["ik_llama"] = mtp.layout != gguf::MtpLayout::none && table
                                 ? json{{"reads_nextn", table->ik.reads_nextn}, {"loads_head_file", table->ik.loads_head_file}}
                                 : json(nullptr);
    return doc;
}

}  // namespace gguf_mtp
