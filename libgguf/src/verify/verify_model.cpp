#include <algorithm>
#include <optional>

#include "checks.h"
#include "gguf/format/dialect.h"
#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"

namespace gguf {
namespace {

// What ik_llama.cpp does with the model's NextN layers, when it has some
// and its architecture is in the MTP table.
std::optional<IkMtpSupport> ik_mtp_support(const Model& model) {
    auto mtp = summarize_mtp(model);
    if (!mtp || mtp->layout == MtpLayout::none) return std::nullopt;
    const auto* table = find_mtp_architecture(model.metadata().get_string(keys::kArchitecture).value_or(""));
    if (!table) return std::nullopt;
    return table->ik;
}

// Opens a model and runs every check on it; nullopt (with the problems
// reported) when it does not open.
std::optional<Model> open_and_check(const std::string& path, const VerifyOptions& options, VerifyReport& report) {
    // Without the data scan only headers are read: a .zst is not
    // decompressed, a URL costs its header.
    auto model = Model::open(path, options.scan_data ? OpenFor::data : OpenFor::header, options.read);
    if (!model && is_remote(path)) {  // the diagnosis reads local files; a URL's error says what failed
        report.files.push_back(path);
        report.findings.push_back(detail::make_finding(Check::file, Severity::error, model.error()));
        return std::nullopt;
    }
    if (!model) {
        detail::diagnose_unopenable(path, options.read.dialect, report);
        const std::string line = model.error().to_string();
        const bool listed = std::any_of(report.findings.begin(), report.findings.end(),
                                        [&](const Finding& f) { return f.error.to_string() == line; });
        // The diagnosis finds what the parser finds; this keeps the error
        // that stopped the open in the report should the two ever differ.
        if (!listed) report.findings.insert(report.findings.begin(), detail::make_finding(Check::file, Severity::error, model.error()));
        return std::nullopt;
    }
    std::vector<TensorInfo> infos;
    for (auto ref : model->tensors()) infos.push_back(model->info(ref));
    // Each shard opened alone; together they may still mix both kinds.
    if (auto runtimes = file_runtimes(infos, model->path()); runtimes) report.runtimes.push_back({model->path(), *runtimes, ik_mtp_support(*model)});
    else report.findings.push_back(detail::make_finding(Check::file, Severity::error, runtimes.error()));
    for (auto& p : model->paths()) report.files.push_back(std::move(p));
    report.tensors += model->tensors().size();
    report.tensor_bytes += model->total_tensor_bytes();
    detail::check_unused_bytes(*model, report);
    detail::check_block_count(*model, options.release, report);
    detail::check_release_tensors(*model, options.release, report);
    detail::check_mtp(*model, report);
    if (options.scan_data) detail::scan_tensor_data(*model, options, report);
    return std::move(*model);
}

}  // namespace

VerifyReport verify_model(const std::string& path, const VerifyOptions& options) {
    VerifyReport report;
    open_and_check(path, options, report);
    return report;
}

VerifyReport verify_pair(const std::string& trunk_path, const std::string& head_path, const VerifyOptions& options) {
    VerifyReport report;
    auto trunk = open_and_check(trunk_path, options, report);
    auto head = open_and_check(head_path, options, report);
    if (trunk && head) {
        auto ok = check_pair(*trunk, *head);
        if (!ok) report.findings.push_back(detail::make_finding(Check::pair, Severity::error, ok.error()));
    }
    return report;
}

}  // namespace gguf
