#include <cstdio>

#include "cli_support.h"
#include "commands.h"
#include "plan_runner.h"
#include "dialect_option.h"
#include "remote_option.h"

namespace gguf_mtp {
namespace {

struct JoinOptions {
    std::string input;
    std::string output;
    OutputFlags out;
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
};

int run_join(const JoinOptions& options) {
    auto model = open_model(options.input, gguf::OpenFor::copying, options.remote, options.dialect);
    if (!model) return report_error(model.error());
    if (!model->is_split()) {
        std::fprintf(stderr, "gguf-mtp: error: %s: not a split set, nothing to join\n", options.input.c_str());
        return kExitError;
    }
    gguf::WriteOptions write;
    if (!make_write_options(options.out, options.output, *model, write)) return kExitUsage;
    return run_plan(gguf::plan_copy(*model), write, options.out, "join");
}

}  // namespace

void add_join_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<JoinOptions>();
    CLI::App* cmd = app.add_subcommand(
        "join", "Join a split set back into one file. The split keys are removed, so join(split(X)) is X byte for byte\n"
                "(llama-gguf-split --merge instead keeps them with split.count 0).");
    cmd->add_option("input", options->input, "any shard of the set")->required();
    cmd->add_option("output", options->output, "output file (.gguf, or .gguf.zst for a zstd stream)")->required();
    add_output_flags(*cmd, options->out, false);
    add_remote_options(*cmd, options->remote);
    add_dialect_option(*cmd, options->dialect);
    cmd->callback([options, &exit_code] { exit_code = run_join(*options); });
}

}  // namespace gguf_mtp
