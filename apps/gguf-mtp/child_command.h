// Runs another gguf-mtp command as a child of this process: the same binary
// (/proc/self/exe), so that the command a batch manifest records is the one
// that ran, and a command that crashes takes only itself down.
#pragma once

#include <string>
#include <vector>

#include "gguf/error.h"

namespace gguf_mtp {

// The path of this binary, as the kernel knows it.
gguf::Result<std::string> self_path();

struct ChildOutcome {
    int exit_status = 0;      // the signal's number plus 128 when one ended it, as shells say it
    double seconds = 0;       // wall-clock time
    std::string error_text;   // what it wrote to stderr
};

// Runs `binary` with `args` (argv[1]...) in `folder`, its stdout discarded
// and its stderr kept: the caller shows it only when the command fails.
gguf::Result<ChildOutcome> run_command(const std::string& binary, const std::vector<std::string>& args,
                                       const std::string& folder);

}  // namespace gguf_mtp
