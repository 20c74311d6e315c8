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

}  // namespace gguf_test
