// How gguf-mtp's help shows a positional list whose words a command tells
// apart by meaning, such as quantize's INPUT [OUTPUT] TYPE [THREADS].
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace gguf_mtp {

// A positional given an option_text shows that text, its form, in the usage
// line and in the Positionals list; CLI11 would show its name and a count
// ("args(2x)", "args TEXT x 2"), which says neither which words go there
// nor that some are optional. Other options show as CLI11 shows them.
class HelpFormatter : public CLI::Formatter {
public:
    std::string make_option(const CLI::Option* opt, bool is_positional) const override;
    std::string make_option_usage(const CLI::Option* opt) const override;
};

}  // namespace gguf_mtp
