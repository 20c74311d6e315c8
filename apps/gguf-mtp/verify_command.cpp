#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli_support.h"
#include "commands.h"
#include "compat_option.h"
#include "manifest.h"
#include "progress_bar.h"
#include "dialect_option.h"
#include "remote_option.h"
#include "verify_report.h"

namespace gguf_mtp {
namespace {

struct VerifyCommandOptions {
    std::vector<std::string> models;
    std::vector<std::string> pair;
    std::string manifest;
    bool data = false;
    bool json = false;
    unsigned threads = 0;
    gguf::LlamaRelease release = gguf::kNewestRelease;
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
};

int run_verify(const VerifyCommandOptions& o) {
    if (o.models.empty() && o.pair.empty() && o.manifest.empty()) {
        std::fprintf(stderr, "gguf-mtp: error: verify needs a MODEL, --pair TRUNK MTP or --manifest FILE\n");
        return kExitUsage;
    }
    VerifyTargets targets{o.models, std::nullopt, std::nullopt, o.data};
    gguf::VerifyReport report;
    ProgressBar data_bar("verify");
    auto remote = remote_options(o.remote);
    if (!remote) return report_error(remote.error());
    gguf::VerifyOptions options{o.data, o.threads, [&](const gguf::Progress& p) { data_bar.update(p); }, o.release, gguf::ReadOptions{*remote, o.dialect}};
    for (const auto& model : o.models) report.append(gguf::verify_model(model, options));
    if (!o.pair.empty()) {
        targets.pair.emplace(o.pair[0], o.pair[1]);
        report.append(gguf::verify_pair(o.pair[0], o.pair[1], options));
    }
    data_bar.clear();
    if (!o.manifest.empty()) {
        targets.manifest = o.manifest;
        auto manifest = read_manifest(o.manifest);
        if (!manifest) {
            targets.manifest_unread = true;
            report.findings.push_back({gguf::Check::output, gguf::Severity::error, manifest.error(), {}});
        } else {
            ProgressBar hash_bar("hash", "files");
            options.on_progress = [&](const gguf::Progress& p) { hash_bar.update(p); };
            const std::string base = std::filesystem::path(o.manifest).parent_path().string();
            report.append(gguf::verify_outputs(manifest->outputs, base, options));
            hash_bar.clear();
        }
    }
    if (o.json) {
        std::cout << verify_json(report, targets).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        for (const auto& r : report.runtimes) std::printf("%s\n", runtimes_line(r).c_str());
        for (const auto& f : report.findings) std::printf("%s\n", finding_line(f).c_str());
        std::printf("%s\n", summary_line(report, targets).c_str());
    }
    return report.ok() ? 0 : kExitError;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<VerifyCommandOptions>();
    CLI::App* cmd = app.add_subcommand(
        "verify",
        "Check models, a trunk/head pair or a batch manifest, and report every problem found, one line each.\n"
        "Exit status 0 when nothing is wrong (warnings allowed), 1 when something is.");
    cmd->add_option("model", o->models, "GGUF files (.gguf, .gguf.zst, or any shard of a split set) to check");
    cmd->add_flag("--data", o->data, "also scan tensor data: NaN/Inf values, invalid block scales (as ggml validates rows)");
    // option_text, as a type name would show with " x 2" after it.
    cmd->add_option("--pair", o->pair, "check TRUNK and MTP head as merge would, without writing")->expected(2)->option_text("TRUNK MTP");
    cmd->add_option("--manifest", o->manifest, "re-hash the outputs a gguf-mtp-manifest/1 file lists")->type_name("FILE");
    cmd->add_option("--threads", o->threads, "threads for --data (default: one per core)");
    cmd->add_flag("--json", o->json, "print one JSON document (schema gguf-mtp-verify/1, see gguf-mtp-verify(1))");
    add_compat_option(*cmd, o->release);
    add_remote_options(*cmd, o->remote);
    add_dialect_option(*cmd, o->dialect);
    cmd->callback([o, &exit_code] { exit_code = run_verify(*o); });
}

}  // namespace gguf_mtp
