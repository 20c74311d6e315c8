#include "mtp_model.h"

namespace gguf::detail {

bool MtpModel::in_mtp_block(std::string_view tensor_name) const {
    const int64_t b = block_number(tensor_name);
    return b >= static_cast<int64_t>(trunk_blocks) && b < static_cast<int64_t>(summary.block_count);
}

bool MtpModel::belongs_to_head(std::string_view tensor_name) const {
    return in_mtp_block(tensor_name) || is_head_only_tensor(tensor_name);
}

bool MtpModel::is_head_shared(std::string_view tensor_name) const {
    for (auto shared : kHeadSharedTensors) {
        if (tensor_name == shared) return true;
    }
    return is_head_tensor(tensor_name);
}

bool MtpModel::is_head_tensor(std::string_view tensor_name) const {
    for (auto own : table->head_tensors) {
        if (tensor_name == own) return true;
    }
    return false;
}

Result<MtpModel> read_mtp_model(const Model& model, MtpLayout expected, std::string_view without_mtp) {
    MtpModel m;
    m.model = &model;
    m.arch = std::string(model.metadata().get_string(keys::kArchitecture).value_or(""));
    auto summary = summarize_mtp(model);
    if (!summary) return std::unexpected(summary.error());
    m.summary = std::move(*summary);
    const std::string nextn_key = m.arch + ".nextn_predict_layers";
    if (m.summary.layout == MtpLayout::none) {
        return fail(ErrorCode::not_found, model.path(),
                    "has no MTP blocks (" + nextn_key + " is absent or 0): " + std::string(without_mtp));
    }
    m.table = find_mtp_architecture(m.arch);
    if (!m.table) {
        std::string known;
        for (const auto& a : mtp_architectures()) known += (known.empty() ? "" : ", ") + std::string(a.name);
        return fail(ErrorCode::unsupported, model.path(),
                    "architecture '" + m.arch + "' has NextN layers, but llama.cpp reads MTP blocks only for " + known);
    }
    m.trunk_blocks = m.summary.block_count - m.summary.nextn_layers;
    if (m.summary.layout != expected) {
        const std::string found(mtp_layout_name(m.summary.layout));
        if (expected == MtpLayout::mtp_only) {
            return fail(ErrorCode::mismatch, model.path(), "is not an MTP head file (its MTP layout is " + found +
                                                                       "; extract the head from a bundled model first)");
        }
        if (m.summary.layout == MtpLayout::mtp_only) {
            return fail(ErrorCode::mismatch, model.path(), "is already an MTP-only head file, not a bundled model");
        }
        return fail(ErrorCode::bad_format, model.path(), "declares " + std::to_string(m.summary.nextn_layers) + " NextN layer(s) but blk." +
                                                             std::to_string(m.trunk_blocks) + ".nextn.eh_proj.weight is absent");
    }
    for (uint32_t b = m.trunk_blocks; b < m.summary.block_count; ++b) {
        for (auto suffix : m.table->required_tensors) {
            const std::string name = "blk." + std::to_string(b) + "." + std::string(suffix) + ".weight";
            if (!model.find(name)) {
                return fail(ErrorCode::bad_format, model.path(), "MTP block " + std::to_string(b) + " lacks tensor '" + name +
                                                                     "', which llama.cpp requires for " + m.arch);
            }
        }
    }
    return m;
}

void update_size_label(Metadata& metadata, std::span<const TensorInfo> input, std::span<const TensorInfo> output) {
    constexpr std::string_view key = "general.size_label";
    auto label = metadata.get_string(key);
    if (label && *label == size_label_for(input)) metadata.set(key, Value::string(size_label_for(output)));
}

bool is_per_layer_array(const MtpModel& m, const KeyValue& kv) {
    const std::string prefix = m.arch + ".";
    if (!kv.value.is_array() || kv.key.rfind(prefix, 0) != 0) return false;
    if (kv.value.array_size() != m.summary.block_count) return false;
    const std::string_view suffix = std::string_view(kv.key).substr(prefix.size());
    for (auto trunk_only : m.table->trunk_length_arrays) {
        if (suffix == trunk_only) return false;
    }
    for (auto from_config : m.table->config_arrays) {
        if (suffix == from_config) return false;
    }
    return true;
}

Value same_integer_type(const Value& like, uint64_t value) {
    switch (like.type()) {
        case ValueType::u8: return Value::u8(static_cast<uint8_t>(value));
        case ValueType::i8: return Value::i8(static_cast<int8_t>(value));
        case ValueType::u16: return Value::u16(static_cast<uint16_t>(value));
        case ValueType::i16: return Value::i16(static_cast<int16_t>(value));
        case ValueType::i32: return Value::i32(static_cast<int32_t>(value));
        case ValueType::u64: return Value::u64(value);
        case ValueType::i64: return Value::i64(static_cast<int64_t>(value));
        default: return Value::u32(static_cast<uint32_t>(value));
    }
}

std::vector<TensorInfo> infos(const Plan& plan) {
    std::vector<TensorInfo> out;
    for (const auto& t : plan.tensors) out.push_back(t.info);
    return out;
}

std::vector<TensorInfo> infos(const Model& model) {
    std::vector<TensorInfo> out;
    for (auto ref : model.tensors()) out.push_back(model.info(ref));
    return out;
}

}  // namespace gguf::detail
