#include "verify_report.h"

#include "cli_support.h"

namespace gguf_mtp {

using nlohmann::json;

std::string finding_line(const gguf::Finding& finding) {
    return std::string(gguf::severity_name(finding.severity)) + ": " + finding.error.to_string() + " [" +
           std::string(gguf::check_name(finding.check)) + "]";
}

std::string summary_line(const gguf::VerifyReport& report, const VerifyTargets& targets) {
    std::string line = "verify: " + std::to_string(report.files.size()) + (report.files.size() == 1 ? " file" : " files");
    if (!targets.models.empty() || targets.pair) line += ", " + std::to_string(report.tensors) + " tensors";
    if (targets.scan_data || targets.manifest) line += ", " + format_bytes(report.bytes_scanned) + (targets.manifest ? " hashed" : " scanned");
    const size_t errors = report.count(gguf::Severity::error), warnings = report.count(gguf::Severity::warning);
    if (errors == 0 && warnings == 0) return line + ": OK";
    line += ": " + std::to_string(errors) + (errors == 1 ? " error" : " errors");
    if (warnings) line += ", " + std::to_string(warnings) + (warnings == 1 ? " warning" : " warnings");
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
