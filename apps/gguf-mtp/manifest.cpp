#include "manifest.h"

#include <algorithm>
#include <fstream>

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

}  // namespace

gguf::Result<std::vector<gguf::ListedOutput>> read_manifest_outputs(const std::string& path) {
    std::ifstream in(path);
    if (!in) return gguf::fail(gguf::ErrorCode::io, path, "cannot open the manifest");
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded()) return bad(path, "is not JSON (expected a gguf-mtp-manifest/1 document)");
    if (!doc.is_object() || doc.value("schema", json()) != kManifestSchema) {
        return bad(path, std::string("schema is not \"") + kManifestSchema + "\"");
    }
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

json output_entry(const std::string& path, const gguf::FileHash& hash) {
    return {{"path", path}, {"bytes", hash.bytes}, {"xxh3_128", hash.xxh3_128}};
}

}  // namespace gguf_mtp
