// Each subcommand registers itself on the root app; its callback runs the
// command and stores the process exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace gguf_mtp {

void add_info_command(CLI::App& app, int& exit_code);
void add_split_command(CLI::App& app, int& exit_code);
void add_join_command(CLI::App& app, int& exit_code);
void add_surgery_commands(CLI::App& app, int& exit_code);  // extract, strip, merge
void add_quantize_command(CLI::App& app, int& exit_code);
void add_imatrix_command(CLI::App& app, int& exit_code);  // info, convert, merge, coverage
void add_verify_command(CLI::App& app, int& exit_code);
void add_hash_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);
void add_batch_model_command(CLI::App& app, int& exit_code);

}  // namespace gguf_mtp
