#include <cstdio>

#include "cli_support.h"
#include "commands.h"
#include "plan_runner.h"
#include "dialect_option.h"
#include "remote_option.h"

namespace gguf_mtp {
namespace {

struct SplitOptions {
    std::string input;
    std::string output;
    OutputFlags out;
    RemoteFlags remote;
    std::optional<gguf::Dialect> dialect;  // --dialect; empty: each file decides
};

// llama-gguf-split's default when no limit is given.
constexpr uint32_t kDefaultMaxTensors = 128;

int run_split(SplitOptions options) {
    auto model = open_model(options.input, gguf::OpenFor::copying, options.remote, options.dialect);
    if (!model) return report_error(model.error());
    if (options.out.max_size.empty() && options.out.max_tensors == 0) options.out.max_tensors = kDefaultMaxTensors;
    gguf::WriteOptions write;
    if (!make_write_options(options.out, options.output, *model, write)) return kExitUsage;
    return run_plan(gguf::plan_copy(*model), write, options.out, "split");
}

}  // namespace

void add_split_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<SplitOptions>();
    CLI::App* cmd = app.add_subcommand(
        "split", "Split a model into a set of shards named PREFIX-00001-of-0000N.gguf, as llama-gguf-split does.\n"
                 "Without a limit, shards hold at most 128 tensors.");
    cmd->add_option("input", options->input, "GGUF file (or any shard of a set, to re-split it)")->required();
    cmd->add_option("output", options->output, "output prefix; a trailing .gguf is dropped")->required();
    add_output_flags(*cmd, options->out, true);
    add_remote_options(*cmd, options->remote);
    add_dialect_option(*cmd, options->dialect);
    cmd->callback([options, &exit_code] { exit_code = run_split(*options); });
}

}  // namespace gguf_mtp
