#include "gguf_mtp_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <xxhash.h>

#include <thread>

#include "test_support.h"

extern char** environ;

namespace gguf_test {

Started start_gguf_mtp(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& err_path) {
    std::vector<std::string> argv_s = {GGUF_MTP_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e) {
        const std::string_view v = *e;
        if (!v.starts_with("LD_PRELOAD=") && !v.starts_with("ASAN_OPTIONS=") && !v.starts_with("GGUF_FAULT")) env_s.emplace_back(v);
    }
    env_s.push_back(std::string("LD_PRELOAD=") + GGUF_FAULT_SHIM);
    // GCC's ASan runtime, a shared library, must otherwise be the first one
    // loaded (GGUF_MTP_SANITIZE with GCC); clang's is linked into the binary.
    const char* asan = std::getenv("ASAN_OPTIONS");
    env_s.push_back(std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") + "verify_asan_link_order=0");
    env_s.insert(env_s.end(), env.begin(), env.end());
    auto pointers = [](std::vector<std::string>& v) {
        std::vector<char*> p;
        for (auto& s : v) p.push_back(s.data());
        p.push_back(nullptr);
        return p;
    };
    auto argv = pointers(argv_s), envp = pointers(env_s);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    Started started{-1, err_path};
    if (posix_spawn(&started.pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) started.pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    return started;
}

namespace {

Exit exit_of(const Started& started, int status) {
    Exit exit;
    exit.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const auto err = gguf_test::read_file(started.err_path);
    exit.err.assign(err.begin(), err.end());
    return exit;
}

}  // namespace

Exit finish_gguf_mtp(const Started& started, std::chrono::seconds limit) {
    if (started.pid < 0) return {};
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (::waitpid(started.pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(started.pid, SIGKILL);
            ::waitpid(started.pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_of(started, status);
}

Exit run_gguf_mtp(const std::vector<std::string>& args, const std::vector<std::string>& env,
                  std::optional<std::chrono::microseconds> kill_after) {
    TempDir scratch;
    const Started started = start_gguf_mtp(args, env, scratch.file("stderr"));
    if (started.pid < 0) return {};
    if (kill_after) {
        std::this_thread::sleep_for(*kill_after);
        ::kill(started.pid, SIGKILL);
    }
    int status = 0;
    ::waitpid(started.pid, &status, 0);
    return exit_of(started, status);
}

std::map<std::string, uint64_t> hash_files(const std::filesystem::path& dir) {
    std::map<std::string, uint64_t> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const auto bytes = gguf_test::read_file(e.path().string());
        out[e.path().filename().string()] = XXH3_64bits(bytes.data(), bytes.size());
    }
    return out;
}

}  // namespace gguf_test
