#include "checks.h"

namespace gguf {

std::string_view check_name(Check check) {
    switch (check) {
        case Check::file: return "file";
        case Check::data_extents: return "data_extents";
        case Check::split_set: return "split_set";
        case Check::block_count: return "block_count";
        case Check::mtp: return "mtp";
        case Check::tensor_data: return "tensor_data";
        case Check::pair: return "pair";
        case Check::output: return "output";
        case Check::release: return "release";
    }
    return "unknown";
}

std::string_view severity_name(Severity severity) { return severity == Severity::error ? "error" : "warning"; }

size_t VerifyReport::count(Severity severity) const {
    size_t n = 0;
    for (const auto& f : findings) n += f.severity == severity;
    return n;
}

void VerifyReport::append(VerifyReport other) {
    files.insert(files.end(), other.files.begin(), other.files.end());
    tensors += other.tensors;
    tensor_bytes += other.tensor_bytes;
    bytes_scanned += other.bytes_scanned;
    for (auto& f : other.findings) findings.push_back(std::move(f));
}

namespace detail {

Finding make_finding(Check check, Severity severity, Error error, std::string tensor) {
    return Finding{check, severity, std::move(error), std::move(tensor)};
}

void add_model_finding(VerifyReport& report, Check check, const Model& model, Severity severity, ErrorCode code,
                       std::string message, std::string tensor) {
    report.findings.push_back(
        make_finding(check, severity, Error{code, model.path(), std::nullopt, std::move(message)}, std::move(tensor)));
}

}  // namespace detail
}  // namespace gguf
