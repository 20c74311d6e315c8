// The common tail of every writing command: print the plan (--dry-run, as
// text or JSON) or write it with a progress bar and a one-line summary.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "gguf/split/model.h"
#include "gguf/plan/writer.h"
#include "progress_bar.h"

namespace gguf_mtp {

struct OutputFlags {
    std::string max_size;       // --split-max-size, "50G"
    uint32_t max_tensors = 0;   // --split-max-tensors
    bool no_tensor_first_split = false;
    bool dry_run = false;
    bool json = false;
    bool force = false;
};

// Registers --dry-run, --json and --force; with `split_options`, also the
// split flags.
void add_output_flags(CLI::App& cmd, OutputFlags& flags, bool split_options);

// Turns the flags into writer options; false (after printing an error) when
// a value is malformed.
bool make_write_options(const OutputFlags& flags, const std::string& output, const gguf::Model& input,
                        gguf::WriteOptions& options);

// The tensor bytes `plan` reads from URLs, and what those inputs fetch from
// now on (their headers are in already); an empty meter for local inputs.
FetchMeter fetch_meter(const gguf::Plan& plan);

// Prints or writes the plan; returns the exit code.
int run_plan(const gguf::Plan& plan, const gguf::WriteOptions& options, const OutputFlags& flags, const std::string& label);

}  // namespace gguf_mtp
