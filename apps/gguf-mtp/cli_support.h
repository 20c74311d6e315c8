// Helpers shared by the subcommands: error reporting, sizes, number text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gguf/error.h"

namespace gguf_mtp {

// Exit codes: 0 success, 1 a data or I/O error, 2 a usage error.
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Prints "gguf-mtp: error: <one line>" to stderr and returns the exit code.
int report_error(const gguf::Error& error);

// "50G", "500M", "1024" (bytes); K, M, G, T and KB, MB, GB, TB are powers of
// 1000 (as llama-gguf-split reads them), KiB, MiB, GiB, TiB powers of 1024;
// a fraction ("3.5G") rounds down to whole bytes.
std::optional<uint64_t> parse_size(const std::string& text);

// "1.21 GiB" style.
std::string format_bytes(uint64_t bytes);

// What --version prints, and batch manifests record: the version and the
// llama.cpp releases matched.
std::string version_text();

// True when stderr is a terminal (progress bars are drawn only then).
bool stderr_is_terminal();

}  // namespace gguf_mtp
