// imatrix: info, convert, merge and coverage of llama-imatrix's importance
// matrices, in its GGUF format or the legacy .dat format.
#include <climits>
#include <cstdio>
#include <set>

#include "cli_support.h"
#include "dialect_option.h"
#include "commands.h"
#include "gguf/imatrix/imatrix.h"
#include "imatrix_reports.h"

namespace gguf_mtp {
namespace {

// llama-imatrix's usual --ctx-size, for inputs that record no chunk size.
constexpr int32_t kDefaultChunkSize = 512;

struct WriteJob {
    std::vector<std::string> inputs;
    std::string output;
    std::string format;      // "gguf", "dat" or empty: from the output's name
    int32_t chunk_size = 0;  // 0: from the inputs
    bool force = false;
    bool combine = false;    // merge: llama-imatrix's sums; convert: the one input as it is
};

bool wants_dat(const WriteJob& job) {
    if (!job.format.empty()) return job.format == "dat";
    return job.output.ends_with(".dat");
}

// The chunk size the inputs agree on (GGUF inputs record one), the
// default when none does, or nullopt when they disagree.
std::optional<int32_t> chunk_size_of(const WriteJob& job, const std::vector<gguf::Imatrix>& inputs) {
    if (job.chunk_size > 0) return job.chunk_size;
    std::set<int32_t> recorded;
    for (const auto& m : inputs) {
        if (!m.legacy && m.chunk_size > 0) recorded.insert(m.chunk_size);
    }
    if (recorded.size() > 1) return std::nullopt;
    return recorded.empty() ? kDefaultChunkSize : *recorded.begin();
}

const char* format_name(const gguf::Imatrix& m) { return m.legacy ? "dat" : "gguf"; }

// What the .dat format cannot hold, said once per run.
void note_losses(const gguf::Imatrix& from, const gguf::Imatrix& to) {
    if (!to.legacy || from.legacy) return;
    size_t per_expert = 0;
    for (const auto& [name, e] : from.entries) {
        per_expert += std::set<int64_t>(e.counts.begin(), e.counts.end()).size() > 1 ? 1 : 0;
    }
    if (per_expert > 0) {
        std::fprintf(stderr, "imatrix: note: .dat keeps one call count per entry; %zu entries had per-expert counts "
                             "(their weights are kept exactly)\n", per_expert);
    }
    if (from.datasets.size() > 1) {
        std::fprintf(stderr, "imatrix: note: .dat names one dataset; kept '%s', dropped %zu\n", from.datasets.back().c_str(),
                     from.datasets.size() - 1);
    }
}

int run_write_job(const WriteJob& job, const char* label) {
    if (!job.format.empty() && job.format != "gguf" && job.format != "dat") {
        std::fprintf(stderr, "gguf-mtp: error: --output-format must be gguf or dat, not '%s'\n", job.format.c_str());
        return kExitUsage;
    }
    std::vector<gguf::Imatrix> inputs;
    gguf::WriteOptions write;
    write.output = job.output;
    write.overwrite = job.force;
    for (const auto& path : job.inputs) {
        auto m = gguf::read_imatrix(path);
        if (!m) return report_error(m.error());
        inputs.push_back(std::move(*m));
        if (auto id = gguf::identity_of(path)) write.inputs.push_back(*id);
    }
    const auto chunk_size = chunk_size_of(job, inputs);
    if (!chunk_size) {
        std::fprintf(stderr, "gguf-mtp: error: the inputs record different chunk sizes; give --chunk-size (llama-imatrix's --ctx-size)\n");
        return kExitUsage;
    }
    auto combined = job.combine ? gguf::merge_imatrices(inputs, job.inputs, *chunk_size) : gguf::Result<gguf::Imatrix>(inputs.front());
    if (!combined) return report_error(combined.error());
    auto out = wants_dat(job) ? gguf::to_legacy_imatrix(*combined, *chunk_size) : gguf::to_gguf_imatrix(*combined, *chunk_size);
    if (!out) return report_error(out.error());
    note_losses(*combined, *out);
    if (auto ok = gguf::write_imatrix(*out, write); !ok) return report_error(ok.error());
    std::fprintf(stderr, "%s: %zu entries, %zu input(s) -> %s (%s, %d chunks)\n", label, out->entries.size(), inputs.size(),
                 job.output.c_str(), format_name(*out), out->chunk_count);
    return 0;
}

void add_write_options(CLI::App& cmd, WriteJob& job) {
    cmd.add_option("-o,--output", job.output, "output file")->required();
    cmd.add_option("--output-format", job.format, "gguf or dat (default: dat when the output ends in .dat, else gguf)");
    cmd.add_option("--chunk-size", job.chunk_size,
                   "tokens per chunk (llama-imatrix's --ctx-size) for .dat counts (default: the inputs', else 512)")
        ->check(CLI::Range(1, INT32_MAX))
        ->option_text("N");  // CLI11 would show the range as the type, too wide for the column
    cmd.add_flag("--force", job.force, "replace an existing output (inputs are never replaced)");
}

}  // namespace

void add_imatrix_command(CLI::App& app, int& exit_code) {
    CLI::App* imatrix = app.add_subcommand(
        "imatrix",
        "Inspect, convert, merge and check importance matrices (llama-imatrix's GGUF format or the legacy .dat format).");
    imatrix->require_subcommand(1);

    auto info = std::make_shared<ImatrixInfoOptions>();
    CLI::App* info_cmd = imatrix->add_subcommand("info", "Show an imatrix: format, datasets, chunks and every entry's size and counts.");
    info_cmd->add_option("imatrix", info->path, "imatrix file (GGUF or .dat)")->required();
    info_cmd->add_flag("--json", info->json, "print one JSON document (schema gguf-mtp-imatrix-info/1)");
    info_cmd->callback([info, &exit_code] { exit_code = run_imatrix_info(*info); });

    auto convert = std::make_shared<WriteJob>();
    CLI::App* convert_cmd = imatrix->add_subcommand(
        "convert", "Convert between the GGUF and .dat formats, keeping the weights llama-quantize derives bit for bit.");
    convert_cmd->add_option("input", convert->inputs, "imatrix file (GGUF or .dat)")->required()->expected(1);
    add_write_options(*convert_cmd, *convert);
    convert_cmd->callback([convert, &exit_code] { exit_code = run_write_job(*convert, "convert"); });

    auto merge = std::make_shared<WriteJob>();
    merge->combine = true;
    CLI::App* merge_cmd = imatrix->add_subcommand(
        "merge", "Combine imatrix files weighted by their counts, as llama-imatrix does with several --in-file.");
    merge_cmd->add_option("inputs", merge->inputs, "imatrix files (GGUF or .dat), combined in this order")->required();
    add_write_options(*merge_cmd, *merge);
    merge_cmd->callback([merge, &exit_code] { exit_code = run_write_job(*merge, "merge"); });

    auto coverage = std::make_shared<ImatrixCoverageOptions>();
    CLI::App* coverage_cmd = imatrix->add_subcommand(
        "coverage", "List a model's quantizable tensors that the imatrix lacks, has at the wrong size, or has experts with no data for.");
    coverage_cmd->add_option("model", coverage->model, "GGUF model (or any shard of a split set), or its URL")->required();
    coverage_cmd->add_option("imatrix", coverage->imatrix, "imatrix file (GGUF or .dat)")->required();
    coverage_cmd->add_flag("--json", coverage->json, "print one JSON document (schema gguf-mtp-imatrix-coverage/1)");
    coverage_cmd->add_flag("--fail-on-missing", coverage->fail_on_missing,
                           "exit 1 when a quantizable tensor has no entry or one of the wrong size");
    add_remote_options(*coverage_cmd, coverage->remote);
    add_dialect_option(*coverage_cmd, coverage->dialect);
    coverage_cmd->callback([coverage, &exit_code] { exit_code = run_imatrix_coverage(*coverage); });
}

}  // namespace gguf_mtp
