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
#include <sys/types.h>
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

// A gguf-mtp started and not waited for yet, for a test that signals it.
struct Started {
    pid_t pid = -1;
    std::string err_path;  // its stderr
};
Started start_gguf_mtp(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& err_path);
// Waits for it, sending SIGKILL after `limit` so that no test hangs.
Exit finish_gguf_mtp(const Started& started, std::chrono::seconds limit);

// xxh3 of every file in `dir`, by name.
std::map<std::string, uint64_t> hash_files(const std::filesystem::path& dir);

}  // namespace gguf_test
