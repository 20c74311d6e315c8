// Runs the gguf-mtp binary the build made, as a user would, and captures
// what it prints.
#pragma once

#include <string>
#include <vector>

namespace gguf_test {

struct CliRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

CliRun gguf_mtp(const std::vector<std::string>& args);

// `s` as one word of a POSIX shell command line, whatever it holds.
std::string shell_quote(const std::string& s);

}  // namespace gguf_test
