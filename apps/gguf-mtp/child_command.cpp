#include "child_command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "termination.h"

extern char** environ;

namespace gguf_mtp {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

// posix_spawn's file actions, released on every path out.
struct SpawnActions {
    posix_spawn_file_actions_t actions;
    SpawnActions() { posix_spawn_file_actions_init(&actions); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
};

std::string read_all(int fd) {
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) text.append(buffer, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR) break;
    }
    return text;
}

}  // namespace

gguf::Result<std::string> self_path() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) return gguf::fail(gguf::ErrorCode::io, "/proc/self/exe", "cannot read which binary runs: " + error.message());
    return path.string();
}

gguf::Result<ChildOutcome> run_command(const std::string& binary, const std::vector<std::string>& args,
                                       const std::string& folder) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return gguf::fail(gguf::ErrorCode::io, binary, "cannot make a pipe: " + errno_text(errno));
    SpawnActions spawn;
    posix_spawn_file_actions_addchdir_np(&spawn.actions, folder.c_str());
    posix_spawn_file_actions_addopen(&spawn.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&spawn.actions, pipe_fds[1], STDERR_FILENO);

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int spawned = ::posix_spawn(&pid, binary.c_str(), &spawn.actions, nullptr, argv.data(), environ);
    ::close(pipe_fds[1]);
    if (spawned != 0) {
        ::close(pipe_fds[0]);
        return gguf::fail(gguf::ErrorCode::io, binary, "cannot run in " + folder + ": " + errno_text(spawned));
    }
    pass_termination_to(pid);
    ChildOutcome outcome;
    outcome.error_text = read_all(pipe_fds[0]);
    ::close(pipe_fds[0]);
    // Waited for without reaping it first, so that no termination is passed
    // on to its pid once that pid is free for another process.
    siginfo_t ended{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &ended, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
    pass_termination_to(0);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return gguf::fail(gguf::ErrorCode::io, binary, "cannot wait for the command: " + errno_text(errno));
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    outcome.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return outcome;
}

}  // namespace gguf_mtp
