#include <cstdio>
#include <iostream>

#include "cli_support.h"
#include "commands.h"
#include "compare_report.h"
#include "progress_bar.h"
#include "dialect_option.h"
#include "remote_option.h"
#include "gguf/imatrix/imatrix.h"

namespace gguf_mtp {
namespace {

struct CompareCommandOptions {
    CompareRequest request;
    std::string imatrix;
    double fail_above = -1;  // negative: not given
    unsigned threads = 0;
    bool json = false;
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
};

int run_compare(CompareCommandOptions o) {
    CompareRequest& request = o.request;
    if (!o.imatrix.empty()) request.imatrix = o.imatrix;
    if (o.fail_above >= 0) request.fail_above = o.fail_above;
    // Rows are read anywhere in the files: a .gguf.zst is decompressed to a temporary copy.
    auto reference = open_model(request.reference, gguf::OpenFor::data, o.remote, o.dialect);
    if (!reference) return report_error(reference.error());
    auto other = open_model(request.other, gguf::OpenFor::data, o.remote, o.dialect);
    if (!other) return report_error(other.error());
    std::optional<gguf::Imatrix> imatrix;
    if (request.imatrix) {
        auto read = gguf::read_imatrix(*request.imatrix);
        if (!read) return report_error(read.error());
        imatrix = std::move(*read);
    }

    ProgressBar bar("compare");
    gguf::CompareOptions options{request.sample_rows, imatrix ? &*imatrix : nullptr, o.threads,
                                 [&](const gguf::Progress& p) { bar.update(p); }};
    auto result = gguf::compare_models(*reference, *other, options);
    bar.clear();
    if (!result) return report_error(result.error());
    if (o.json) std::cout << compare_json(*result, request).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    else print_compare_text(*result, request);
    return tensors_above(*result, request).empty() ? 0 : kExitError;
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<CompareCommandOptions>();
    CLI::App* cmd = app.add_subcommand(
        "compare",
        "Measure how far OTHER's tensors are from REFERENCE's: relative RMS error, cosine similarity and largest\n"
        "difference per tensor, by role, by block and over the whole file. Tensors are matched by name and read\n"
        "as floats; names in one file only, differing shapes and unreadable types are listed.");
    cmd->add_option("reference", o->request.reference, "the reference model (.gguf, .gguf.zst, any shard of a split set, or a URL)")
        ->required();
    cmd->add_option("other", o->request.other, "the model measured against it (a quant of it, say)")->required();
    cmd->add_option("--imatrix", o->imatrix, "also measure the error weighted by this importance matrix (GGUF or .dat)")
        ->type_name("FILE");
    cmd->add_option("--sample", o->request.sample_rows,
                    "measure only N rows per tensor, evenly spread over all its matrices, reading only their bytes "
                    "(default: every row)")
        ->type_name("N");
    cmd->add_option("--fail-above", o->fail_above,
                    "exit 1 when a tensor's relative RMS error (the weighted one with --imatrix) is above X, naming it")
        ->type_name("X")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--threads", o->threads, "threads to read and measure on (default: one per hardware thread)");
    cmd->add_flag("--json", o->json, "print one JSON document (schema gguf-mtp-compare/1, see gguf-mtp-compare(1))");
    add_remote_options(*cmd, o->remote);
    add_dialect_option(*cmd, o->dialect);
    cmd->callback([o, &exit_code] { exit_code = run_compare(*o); });
}

}  // namespace gguf_mtp
