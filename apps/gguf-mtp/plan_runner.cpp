#include "plan_runner.h"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "plan_json.h"

namespace gguf_mtp {

void add_output_flags(CLI::App& cmd, OutputFlags& flags, bool split_options) {
    if (split_options) {
        cmd.add_option("--split-max-size", flags.max_size,
                       "write a split set, each shard's tensor data at most this size (N, NK, NM, NG; decimal units)");
        cmd.add_option("--split-max-tensors", flags.max_tensors, "write a split set of at most N tensors per shard");
        cmd.add_flag("--no-tensor-first-split", flags.no_tensor_first_split,
                     "split set: the first shard holds the metadata only");
    }
    cmd.add_flag("--dry-run", flags.dry_run, "print what would be written (files, tensors, sizes) and write nothing");
    cmd.add_flag("--json", flags.json, "with --dry-run: print the plan as JSON");
    cmd.add_flag("--force", flags.force, "replace existing output files (inputs are never replaced)");
}

bool make_write_options(const OutputFlags& flags, const std::string& output, const gguf::Model& input,
                        gguf::WriteOptions& options) {
    options.output = output;
    options.overwrite = flags.force;
    options.inputs = input.identities();
    options.split.max_tensors = flags.max_tensors;
    options.split.no_tensor_first_split = flags.no_tensor_first_split;
    if (!flags.max_size.empty()) {
        auto size = parse_size(flags.max_size);
        if (!size) {
            std::fprintf(stderr, "gguf-mtp: error: --split-max-size '%s' is not a size like 500M or 50G\n", flags.max_size.c_str());
            return false;
        }
        options.split.max_bytes = *size;
    }
    return true;
}

namespace {

void print_layout(const gguf::Plan& plan, const std::vector<gguf::ShardLayout>& layout, bool json) {
    if (json) {
        std::cout << plan_json(plan, layout).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        return;
    }
    std::printf("plan: %zu keys, %zu tensors, %zu file(s)\n", plan.metadata.size(), plan.tensors.size(), layout.size());
    for (const auto& f : layout) {
        std::printf("  %s: %zu tensors, %s\n", f.path.c_str(), f.tensors.size(), format_bytes(f.file_bytes).c_str());
    }
    for (const auto& r : remote_reads(plan)) std::printf("  fetch: %s of tensor data from %s\n", format_bytes(r.bytes).c_str(), r.name.c_str());
}

}  // namespace

FetchMeter fetch_meter(const gguf::Plan& plan) {
    const auto reads = remote_reads(plan);
    if (reads.empty()) return {};
    FetchMeter meter;
    for (const auto& r : reads) meter.needed += r.bytes;
    auto fetched_since_open = [reads] {
        uint64_t bytes = 0;
        for (const auto& r : reads) bytes += r.file->bytes_fetched();
        return bytes;
    };
    meter.fetched = [fetched_since_open, before = fetched_since_open()] { return fetched_since_open() - before; };
    return meter;
}

int run_plan(const gguf::Plan& plan, const gguf::WriteOptions& options, const OutputFlags& flags, const std::string& label) {
    if (flags.dry_run) {
        auto layout = gguf::layout_plan(plan, options);
        if (!layout) return report_error(layout.error());
        print_layout(plan, *layout, flags.json);
        return 0;
    }
    ProgressBar bar(label);
    bar.show_fetch(fetch_meter(plan));
    gguf::WriteOptions with_progress = options;
    with_progress.on_progress = [&bar](const gguf::Progress& p) { bar.update(p); };
    auto report = gguf::write_plan(plan, with_progress);
    if (!report) return report_error(report.error());
    bar.finish(*report);
    return 0;
}

}  // namespace gguf_mtp
