#include "verify_report.h"

#include "cli_support.h"
#include "gguf/format/dialect.h"

namespace gguf_mtp {

using nlohmann::json;

std::string finding_line(const gguf::Finding& finding) {
    return std::string(gguf::severity_name(finding.severity)) + ": " + finding.error.to_string() + " [" +
           std::string(gguf::check_name(finding.check)) + "]";
}

std::string runtimes_line(const gguf::ModelRuntimes& model) {
    std::string line = model.path + ": for " + std::string(gguf::runtimes_name(model.runtimes));
    if (model.ik_mtp) line += "\n" + model.path + ": ik_llama.cpp " + gguf::ik_mtp_text(*model.ik_mtp);
    return line;
}

namespace {

json ik_mtp_json(const std::optional<gguf::IkMtpSupport>& support) {
    if (!support) return nullptr;
    return {{"reads_nextn", support->reads_nextn}, {"loads_head_file", support->loads_head_file}};
}

std::string count_of(size_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

}  // namespace

std::string summary_line(const gguf::VerifyReport& report, const VerifyTargets& targets) {
    const bool models = !targets.models.empty() || targets.pair;
    const bool hashed = targets.manifest && !targets.manifest_unread;
    // A manifest that was not read examined no file: "0 files, 0 B hashed"
    // would read as an empty manifest.
    std::vector<std::string> parts;
    if (models || hashed) parts.push_back(count_of(report.files.size(), "file"));
    if (models) parts.push_back(count_of(report.tensors, "tensor"));
    if ((targets.scan_data && models) || hashed) parts.push_back(format_bytes(report.bytes_scanned) + (hashed ? " hashed" : " scanned"));
    if (targets.manifest_unread) parts.push_back("manifest not read");
    std::string line = "verify:";
    for (size_t i = 0; i < parts.size(); ++i) line += (i == 0 ? " " : ", ") + parts[i];
    const size_t errors = report.count(gguf::Severity::error), warnings = report.count(gguf::Severity::warning);
    if (errors == 0 && warnings == 0) return line + ": OK";
    line += ": " + count_of(errors, "error");
    if (warnings) line += ", " + count_of(warnings, "warning");
    return line;
}

json verify_json(const gguf::VerifyReport& report, const VerifyTargets& targets) {
    json doc;
    doc["schema"] = "gguf-mtp-verify/1";
    doc["ok"] = report.ok();
    doc["errors"] = report.count(gguf::Severity::error);
    doc["warnings"] = report.count(gguf::Severity::warning);
    doc["models"] = targets.models;
    doc["pair"] = targets.pair ? json{{"trunk", targets.pair->first}, {"head", targets.pair->second}} : json(nullptr);
    doc["manifest"] = targets.manifest ? json(*targets.manifest) : json(nullptr);
    doc["data_scanned"] = targets.scan_data;
    doc["files"] = report.files;
    json runtimes = json::array();
    for (const auto& r : report.runtimes) {
        runtimes.push_back({{"path", r.path}, {"runtimes", gguf::runtimes_name(r.runtimes)}, {"ik_llama_mtp", ik_mtp_json(r.ik_mtp)}});
    }
    doc["runtimes"] = std::move(runtimes);
    doc["tensors"] = report.tensors;
    doc["tensor_bytes"] = report.tensor_bytes;
    doc["bytes_scanned"] = report.bytes_scanned;
    json findings = json::array();
    for (const auto& f : report.findings) {
        findings.push_back({{"check", gguf::check_name(f.check)},
                            {"severity", gguf::severity_name(f.severity)},
                            {"code", gguf::error_code_name(f.error.code)},
                            {"file", f.error.file},
                            {"offset", f.error.offset ? json(*f.error.offset) : json(nullptr)},
                            {"tensor", f.tensor.empty() ? json(nullptr) : json(f.tensor)},
                            {"message", f.error.message}});
    }
    doc["findings"] = std::move(findings);
    return doc;
}

}  // namespace gguf_mtp
