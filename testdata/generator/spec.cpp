#include "spec.h"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gguf/format/tensor_type.h"
#include "gguf/format/value.h"

namespace fixtures {
namespace {

using nlohmann::json;

std::optional<gguf::ValueType> value_type_named(std::string_view name) {
    for (uint32_t id = 0; id < gguf::kValueTypeCount; ++id) {
        const auto type = static_cast<gguf::ValueType>(id);
        if (gguf::value_type_name(type) == name) return type;
    }
    return std::nullopt;
}

// json's get<> throws on a type mismatch; load_spec turns that into an Error.
gguf::Value scalar(gguf::ValueType type, const json& v) {
    switch (type) {
        case gguf::ValueType::u8: return gguf::Value::u8(v.get<uint8_t>());
        case gguf::ValueType::i8: return gguf::Value::i8(v.get<int8_t>());
        case gguf::ValueType::u16: return gguf::Value::u16(v.get<uint16_t>());
        case gguf::ValueType::i16: return gguf::Value::i16(v.get<int16_t>());
        case gguf::ValueType::u32: return gguf::Value::u32(v.get<uint32_t>());
        case gguf::ValueType::i32: return gguf::Value::i32(v.get<int32_t>());
        case gguf::ValueType::u64: return gguf::Value::u64(v.get<uint64_t>());
        case gguf::ValueType::i64: return gguf::Value::i64(v.get<int64_t>());
        case gguf::ValueType::f32: return gguf::Value::f32(v.get<float>());
        case gguf::ValueType::f64: return gguf::Value::f64(v.get<double>());
        case gguf::ValueType::boolean: return gguf::Value::boolean(v.get<bool>());
        case gguf::ValueType::string: return gguf::Value::string(v.get<std::string>());
        case gguf::ValueType::array: break;
    }
    throw std::invalid_argument("nested arrays are not supported in specs");
}

// A key is ["name", "u32", 5] or, for an array, ["name", "i32[]", [1, 2]].
gguf::Result<gguf::KeyValue> parse_key(const json& entry, const std::string& path) {
    const std::string name = entry.at(0).get<std::string>();
    std::string type_name = entry.at(1).get<std::string>();
    const bool is_array = type_name.ends_with("[]");
    if (is_array) type_name.resize(type_name.size() - 2);
    const auto type = value_type_named(type_name);
    if (!type || *type == gguf::ValueType::array)
        return gguf::fail(gguf::ErrorCode::bad_format, path, "key " + name + ": unknown value type " + type_name);
    if (!is_array) return gguf::KeyValue{name, scalar(*type, entry.at(2))};
    std::vector<gguf::Value> items;
    for (const json& item : entry.at(2)) items.push_back(scalar(*type, item));
    return gguf::KeyValue{name, gguf::Value::array_of(*type, items)};
}

// A tensor is ["name", "F16", [64, 256]], shape innermost first.
gguf::Result<gguf::TensorInfo> parse_tensor(const json& entry, const std::string& path) {
    gguf::TensorInfo info;
    info.name = entry.at(0).get<std::string>();
    const std::string type_name = entry.at(1).get<std::string>();
    const auto type = gguf::type_from_name(type_name);
    if (!type) return gguf::fail(gguf::ErrorCode::bad_format, path, info.name + ": unknown tensor type " + type_name);
    info.type = *type;
    const json& shape = entry.at(2);
    if (shape.empty() || shape.size() > gguf::kMaxDims)
        return gguf::fail(gguf::ErrorCode::bad_format, path, info.name + ": shape needs 1 to 4 dimensions");
    info.n_dims = static_cast<uint32_t>(shape.size());
    for (uint32_t d = 0; d < info.n_dims; ++d) info.ne[d] = shape[d].get<uint64_t>();
    return info;
}

// `field` of a layout: release names, each one the table knows; `all` when
// the layout does not narrow them.
gguf::Result<std::vector<gguf::LlamaRelease>> parse_releases(const json& layout, const char* field,
                                                            const std::vector<gguf::LlamaRelease>& all,
                                                            const std::string& path) {
    if (!layout.contains(field)) return all;
    std::vector<gguf::LlamaRelease> out;
    for (const json& entry : layout.at(field)) {
        const std::string name = entry.get<std::string>();
        const auto release = gguf::parse_llama_release(name);
        if (!release || std::ranges::find(all, *release) == all.end())
            return gguf::fail(gguf::ErrorCode::bad_format, path, std::string(field) + ": " + name + " is not one of the releases allowed here");
        out.push_back(*release);
    }
    return out;
}

gguf::Result<LayoutSpec> parse_layout(const std::string& name, const json& layout, const std::string& path) {
    LayoutSpec spec;
    spec.name = name;
    for (const json& entry : layout.at("keys")) {
        auto kv = parse_key(entry, path);
        if (!kv) return std::unexpected(kv.error());
        if (spec.metadata.contains(kv->key))
            return gguf::fail(gguf::ErrorCode::bad_format, path, name + ": key " + kv->key + " listed twice");
        spec.metadata.append(kv->key, std::move(kv->value));
    }
    // size_label is spelled out beside the keys so a reader sees it without
    // searching; both must say the same.
    const std::string label = layout.at("size_label").get<std::string>();
    if (spec.metadata.get_string("general.size_label") != label)
        return gguf::fail(gguf::ErrorCode::mismatch, path, name + ": size_label differs from general.size_label");
    for (const json& entry : layout.at("tensors")) {
        auto info = parse_tensor(entry, path);
        if (!info) return std::unexpected(info.error());
        spec.tensors.push_back(std::move(*info));
    }
    std::vector<gguf::LlamaRelease> every_release;
    for (const auto& r : gguf::llama_releases()) every_release.push_back(r.release);
    auto loads_in = parse_releases(layout, "loads_in", every_release, path);
    if (!loads_in) return std::unexpected(loads_in.error());
    // A release that does not load a file cannot run it.
    auto runs_in = parse_releases(layout, "runs_in", *loads_in, path);
    if (!runs_in) return std::unexpected(runs_in.error());
    spec.loads_in = std::move(*loads_in);
    spec.runs_in = std::move(*runs_in);
    return spec;
}

}  // namespace

gguf::Result<ArchSpec> load_spec(const std::string& path) {
    std::ifstream in(path);
    if (!in) return gguf::fail(gguf::ErrorCode::io, path, "cannot open spec");
    try {
        const json doc = json::parse(in);
        if (doc.at("format") != "gguf-mtp-fixture-spec/1")
            return gguf::fail(gguf::ErrorCode::unsupported, path, "expected format gguf-mtp-fixture-spec/1");
        ArchSpec spec;
        spec.arch = doc.at("arch").get<std::string>();
        spec.name = doc.contains("name") ? doc.at("name").get<std::string>() : spec.arch;
        // nlohmann::json sorts object members; the layouts are written in
        // this fixed order so the manifest does not depend on it.
        for (const char* name : {"bundled", "trunk", "mtp"}) {
            if (!doc.at("layouts").contains(name)) continue;
            auto layout = parse_layout(name, doc["layouts"][name], path);
            if (!layout) return std::unexpected(layout.error());
            spec.layouts.push_back(std::move(*layout));
        }
        if (spec.layouts.empty()) return gguf::fail(gguf::ErrorCode::bad_format, path, "no layouts");
        for (const LayoutSpec& layout : spec.layouts)
            if (layout.metadata.get_string("general.architecture") != spec.arch)
                return gguf::fail(gguf::ErrorCode::mismatch, path, layout.name + ": general.architecture differs from arch");
        return spec;
    } catch (const nlohmann::json::exception& e) {
        return gguf::fail(gguf::ErrorCode::bad_format, path, e.what());
    } catch (const std::invalid_argument& e) {
        return gguf::fail(gguf::ErrorCode::bad_format, path, e.what());
    }
}

}  // namespace fixtures
