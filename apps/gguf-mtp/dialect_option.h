// --dialect auto|mainline|ik: which project's type ids a command reads its
// GGUF inputs with, for the commands that parse them.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

#include "gguf/format/tensor_type.h"

namespace gguf_mtp {

// Adds --dialect to `cmd`: `auto` (the default) leaves `dialect` empty, so
// each file's own ids decide; `mainline` or `ik` set it.
void add_dialect_option(CLI::App& cmd, std::optional<gguf::Dialect>& dialect);

}  // namespace gguf_mtp
