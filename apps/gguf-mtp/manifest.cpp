#include "manifest.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "gguf/io/whole_file.h"

namespace gguf_mtp {
namespace {

using nlohmann::json;

std::unexpected<gguf::Error> bad(const std::string& path, const std::string& message) {
    return gguf::fail(gguf::ErrorCode::bad_format, path, message);
}

bool is_hex128(std::string& text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

gguf::Result<std::vector<gguf::ListedOutput>> checked_outputs(const json& doc, const std::string& path) {
    const json& outputs = doc.value("outputs", json());
    if (!outputs.is_array()) return bad(path, "has no \"outputs\" array");
    std::vector<gguf::ListedOutput> listed;
    for (size_t i = 0; i < outputs.size(); ++i) {
        const json& e = outputs[i];
        const std::string where = "outputs[" + std::to_string(i) + "]";
        if (!e.is_object()) return bad(path, where + " is not an object");
        gguf::ListedOutput o;
        if (!e.contains("path") || !e["path"].is_string() || e["path"].get<std::string>().empty()) {
            return bad(path, where + ".path is not a file name");
        }
        o.path = e["path"].get<std::string>();
        if (!e.contains("bytes") || !e["bytes"].is_number_unsigned()) return bad(path, where + ".bytes is not a byte count");
        o.bytes = e["bytes"].get<uint64_t>();
        if (!e.contains("xxh3_128") || !e["xxh3_128"].is_string()) return bad(path, where + ".xxh3_128 is missing");
        o.xxh3_128 = e["xxh3_128"].get<std::string>();
        if (!is_hex128(o.xxh3_128)) return bad(path, where + ".xxh3_128 is not 32 hex digits");
        listed.push_back(std::move(o));
    }
    return listed;
}

// An optional array of objects: what batch runs index without checking.
gguf::Status check_object_array(const json& doc, const std::string& key, const std::string& path) {
    if (!doc.contains(key)) return {};
    const json& items = doc[key];
    if (!items.is_array()) return bad(path, "\"" + key + "\" is not an array");
    for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_object()) return bad(path, key + "[" + std::to_string(i) + "] is not an object");
    }
    return {};
}

// A field of an entry, null when the entry is no object or lacks it: a
// hand-edited manifest may hold anything beyond what read_manifest checks.
const json& field_of(const json& entry, const char* key) {
    static const json none;
    if (!entry.is_object()) return none;
    auto it = entry.find(key);
    return it == entry.end() ? none : *it;
}

const json& source_of(const json& entry) { return field_of(entry, "source"); }
const json& path_of(const json& entry) { return field_of(entry, "path"); }

// An array field, empty when absent or of another type.
json items_of(const json& document, const char* key) {
    const json& items = field_of(document, key);
    return items.is_array() ? items : json::array();
}

}  // namespace

gguf::Result<Manifest> read_manifest(const std::string& path) {
    std::ifstream in(path);
    if (!in) return gguf::fail(gguf::ErrorCode::io, path, "cannot open the manifest");
    Manifest manifest;
    manifest.document = json::parse(in, nullptr, false);
    const json& doc = manifest.document;
    if (doc.is_discarded()) return bad(path, "is not JSON (expected a gguf-mtp-manifest/1 document)");
    if (!doc.is_object() || doc.value("schema", json()) != kManifestSchema) {
        return bad(path, std::string("schema is not \"") + kManifestSchema + "\"");
    }
    auto outputs = checked_outputs(doc, path);
    if (!outputs) return std::unexpected(outputs.error());
    manifest.outputs = std::move(*outputs);
    for (const char* key : {"commands", "models"}) {
        if (auto ok = check_object_array(doc, key, path); !ok) return std::unexpected(ok.error());
    }
    return manifest;
}

json output_entry(const std::string& path, const gguf::FileHash& hash) {
    return {{"path", path}, {"bytes", hash.bytes}, {"xxh3_128", hash.xxh3_128}};
}

json outputs_with_commands(const json& document) {
    const json commands = items_of(document, "commands");
    json outputs = json::array();
    for (json entry : items_of(document, "outputs")) {
        const json& index = field_of(entry, "command");
        const bool known = index.is_number_unsigned() && index.get<size_t>() < commands.size();
        entry["command"] = known ? commands[index.get<size_t>()] : json();
        outputs.push_back(std::move(entry));
    }
    return outputs;
}

json model_record(const json& document, const std::string& source) {
    for (const json& model : items_of(document, "models")) {
        if (source_of(model) == source) return model;
    }
    return json();
}

bool lists_output(const json& document, const std::string& path) {
    const json outputs = items_of(document, "outputs");
    return std::any_of(outputs.begin(), outputs.end(), [&](const json& e) { return path_of(e) == path; });
}

json record_model_run(const json& previous, const json& model, const json& outputs, const std::string& gguf_mtp_version,
                      const std::string& created) {
    json models = json::array();
    for (const json& m : items_of(previous, "models")) {
        if (source_of(m) != source_of(model)) models.push_back(m);
    }
    models.push_back(model);
    std::stable_sort(models.begin(), models.end(), [](const json& a, const json& b) { return source_of(a) < source_of(b); });

    std::set<json> redone;
    for (const json& e : outputs) redone.insert(path_of(e));
    json candidates = json::array();
    for (const json& e : outputs_with_commands(previous)) {
        if (!redone.contains(path_of(e))) candidates.push_back(e);
    }
    candidates.insert(candidates.end(), outputs.begin(), outputs.end());

    json listed = json::array(), commands = json::array(), inputs = json::array();
    double seconds = 0;
    for (const json& m : models) {
        for (const json& e : candidates) {
            if (source_of(e) != source_of(m)) continue;
            const json& command = field_of(e, "command");
            if (field_of(command, "seconds").is_number()) seconds += command["seconds"].get<double>();
            json entry = e;
            entry["command"] = commands.size();
            commands.push_back(command);
            listed.push_back(std::move(entry));
        }
        const json model_inputs = items_of(m, "inputs");
        inputs.insert(inputs.end(), model_inputs.begin(), model_inputs.end());
    }
    // One entry per path, the first model's, in path order.
    std::stable_sort(inputs.begin(), inputs.end(), [](const json& a, const json& b) { return path_of(a) < path_of(b); });
    inputs.erase(std::unique(inputs.begin(), inputs.end(), [](const json& a, const json& b) { return path_of(a) == path_of(b); }),
                 inputs.end());

    return {{"schema", kManifestSchema}, {"gguf_mtp_version", gguf_mtp_version}, {"created", created},
            {"seconds", seconds}, {"inputs", inputs}, {"commands", commands}, {"outputs", listed}, {"models", models}};
}

bool changes_manifest(const json& previous, const json& updated) {
    if (!previous.is_object()) return true;
    json before = previous, after = updated;
    before.erase("created");
    after.erase("created");
    return before != after;
}

gguf::Status write_manifest(const std::string& path, const json& document) {
    return gguf::write_whole_file(path, document.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace gguf_mtp
