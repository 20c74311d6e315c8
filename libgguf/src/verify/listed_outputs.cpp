// A manifest's outputs, re-hashed: what a batch wrote is still what it wrote.
#include <filesystem>

#include "checks.h"
#include "gguf/io/file_hash.h"

namespace gguf {
namespace {

Finding output_error(ErrorCode code, const std::string& path, std::string message) {
    return detail::make_finding(Check::output, Severity::error, Error{code, path, std::nullopt, std::move(message)});
}

}  // namespace

VerifyReport verify_outputs(std::span<const ListedOutput> outputs, const std::string& base_dir, const VerifyOptions& options) {
    VerifyReport report;
    Progress progress;
    progress.tensors_total = outputs.size();
    std::vector<std::string> paths;
    for (const auto& o : outputs) {
        const std::filesystem::path listed(o.path);
        paths.push_back(listed.is_absolute() ? o.path : (std::filesystem::path(base_dir) / listed).string());
        progress.bytes_total += o.bytes;
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
        const ListedOutput& o = outputs[i];
        const std::string& path = paths[i];
        report.files.push_back(path);
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            report.findings.push_back(output_error(ErrorCode::not_found, path, "listed output is missing"));
        } else {
            const uint64_t before = progress.bytes_done;
            auto hash = hash_file(path, [&](uint64_t done, uint64_t) {
                progress.bytes_done = before + done;
                if (options.on_progress) options.on_progress(progress);
            });
            if (!hash) {
                report.findings.push_back(detail::make_finding(Check::output, Severity::error, hash.error()));
            } else {
                report.bytes_scanned += hash->bytes;
                if (hash->bytes != o.bytes) {
                    report.findings.push_back(output_error(ErrorCode::mismatch, path,
                                                           "is " + std::to_string(hash->bytes) + " bytes, the manifest lists " +
                                                               std::to_string(o.bytes)));
                }
                if (hash->xxh3_128 != o.xxh3_128) {
                    report.findings.push_back(output_error(ErrorCode::mismatch, path,
                                                           "XXH3-128 is " + hash->xxh3_128 + ", the manifest lists " + o.xxh3_128));
                }
            }
            progress.bytes_done = before + o.bytes;
        }
        progress.tensors_done = i + 1;
        if (options.on_progress) options.on_progress(progress);
    }
    return report;
}

}  // namespace gguf
