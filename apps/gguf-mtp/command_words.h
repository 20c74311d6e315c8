// The words that choose a command: gguf-mtp's own (info, quantize, ...) and
// imatrix's (info, convert, ...).
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace gguf_mtp {

// After a parse of `app` failed: the first command group on the parsed chain
// that was given no command, or a word that is none of its commands, said as
// one line that lists the commands; nullopt when the commands were given
// right. CLI11 2.1.2 checks that a command was given before it checks for
// unknown words, so its own error calls a mistyped command a missing one.
std::optional<std::string> command_word_error(const CLI::App& app);

}  // namespace gguf_mtp
