// Runs the real gguf-mtp binary for the fault and input-safety tests, with
// the file-system double of fault_shim.cpp preloaded (it does nothing
// unless GGUF_FAULT_* variables ask it to).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gguf_test {

struct Exit {
    bool killed = false;  // by SIGKILL
    int code = -1;        // exit status when it exited
    std::string err;      // what it printed on stderr
};

// Runs gguf-mtp with `args` and `env` added to the environment; with
// `kill_after`, sends it SIGKILL after that long.
Exit run_gguf_mtp(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                  std::optional<std::chrono::microseconds> kill_after = std::nullopt);

// xxh3 of every file in `dir`, by name.
std::map<std::string, uint64_t> hash_files(const std::filesystem::path& dir);

}  // namespace gguf_test
