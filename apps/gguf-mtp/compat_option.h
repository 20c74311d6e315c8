// --compat RELEASE: the llama.cpp release whose behaviour a command matches,
// for the commands whose output or verdict depends on it.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "gguf/compat/llama_release.h"

namespace gguf_mtp {

// Adds --compat to `cmd`, writing the release into `release` (kept at the
// newest when the option is absent); unknown names are a usage error.
void add_compat_option(CLI::App& cmd, gguf::LlamaRelease& release);

// "v0.4.0, v0.5.0 (default)": what --compat and --version list.
std::string supported_releases_text();

}  // namespace gguf_mtp
