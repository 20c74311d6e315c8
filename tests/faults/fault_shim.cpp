// A test double of the file system for the gguf-mtp process, loaded with
// LD_PRELOAD: it sees every operation on an output temporary
// (FINAL.XXXXXX.partial) and can make the Nth one fail.
//
// Preloading keeps the library free of any seam or global hook, and it
// tests the real binary, CLI included, exactly as users run it.
//
// Counted operations, numbered from 1 in the order the process makes them:
// creating the temporary (mkstemps), write, pwrite, copy_file_range,
// fsync, fdatasync and close on it, and renaming it. Environment:
//   GGUF_FAULT_LOG   file to which each counted operation appends a line
//                    "N NAME", and "N NAME FAULT" for the one that fails
//   GGUF_FAULT_AT    N, the operation to fail (absent: none fails)
//   GGUF_FAULT       enospc | eio: it fails with that errno;
//                    short: a write, pwrite or copy_file_range does only
//                    half its bytes (others proceed);
//                    kill: the process gets SIGKILL before doing it;
//                    stop: the process stops (SIGSTOP) before doing it, so
//                    that a test can signal it, or its parent, mid-write.
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

enum class Fault { none, error, short_io, kill, stop };

struct Decision {
    Fault fault = Fault::none;
    int error = 0;
};

bool is_partial(std::string_view path) { return path.size() > 8 && path.substr(path.size() - 8) == ".partial"; }

bool fd_is_partial(int fd) {
    char link[64], target[4096];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = ::readlink(link, target, sizeof target - 1);
    return n > 0 && is_partial(std::string_view(target, static_cast<size_t>(n)));
}

void log_line(const char* text) {
    const char* path = std::getenv("GGUF_FAULT_LOG");
    if (!path) return;
    // Raw system calls: the shim's own writes must not go through itself.
    const int fd = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (fd < 0) return;
    ::syscall(SYS_write, fd, text, std::strlen(text));
    ::syscall(SYS_close, fd);
}

// Counts one operation on an output temporary and says what to do with it.
// The counter lives in the log (its line count), so the shim holds no state
// of its own and counts across threads in order.
Decision count(const char* name, bool can_be_short) {
    const char* log = std::getenv("GGUF_FAULT_LOG");
    long n = 1;
    if (log) {
        if (FILE* f = std::fopen(log, "r")) {
            for (int c; (c = std::fgetc(f)) != EOF;) n += c == '\n';
            std::fclose(f);
        }
    }
    const char* at = std::getenv("GGUF_FAULT_AT");
    const char* kind = std::getenv("GGUF_FAULT");
    Decision d;
    if (at && kind && std::atol(at) == n) {
        const std::string_view k = kind;
        if (k == "enospc") d = {Fault::error, ENOSPC};
        if (k == "eio") d = {Fault::error, EIO};
        if (k == "short" && can_be_short) d = {Fault::short_io, 0};
        if (k == "kill") d = {Fault::kill, 0};
        if (k == "stop") d = {Fault::stop, 0};
    }
    char line[128];
    std::snprintf(line, sizeof line, "%ld %s%s\n", n, name, d.fault == Fault::none ? "" : " FAULT");
    log_line(line);
    if (d.fault == Fault::kill) ::kill(::getpid(), SIGKILL);
    if (d.fault == Fault::stop) ::kill(::getpid(), SIGSTOP);
    return d;
}

template <class F>
F real(const char* name) {
    return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

template <class F, class... Args>
ssize_t data_op(const char* name, int fd, size_t size, F call, Args... args) {
    if (!fd_is_partial(fd)) return call(fd, args..., size);
    const Decision d = count(name, size > 1);
    if (d.fault == Fault::error) {
        errno = d.error;
        return -1;
    }
    return call(fd, args..., d.fault == Fault::short_io ? size / 2 : size);
}

template <class F>
int sync_op(const char* name, int fd, F call) {
    if (!fd_is_partial(fd)) return call(fd);
    const Decision d = count(name, false);
    const int r = call(fd);
    if (d.fault != Fault::error) return r;
    errno = d.error;
    return -1;
}

// An operation on the temporary by name: creating it, renaming it.
template <class F>
int path_op(const char* name, const char* path, F call) {
    if (!is_partial(path)) return call();
    const Decision d = count(name, false);
    if (d.fault != Fault::error) return call();
    errno = d.error;
    return -1;
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t size) {
    static const auto next = real<ssize_t (*)(int, const void*, size_t)>("write");
    return data_op("write", fd, size, [](int f, const void* b, size_t s) { return next(f, b, s); }, buf);
}

ssize_t pwrite(int fd, const void* buf, size_t size, off_t offset) {
    static const auto next = real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
    return data_op("pwrite", fd, size, [offset](int f, const void* b, size_t s) { return next(f, b, s, offset); }, buf);
}

ssize_t pwrite64(int fd, const void* buf, size_t size, off_t offset) { return pwrite(fd, buf, size, offset); }

ssize_t copy_file_range(int in, loff_t* in_off, int out, loff_t* out_off, size_t size, unsigned flags) {
    static const auto next = real<ssize_t (*)(int, loff_t*, int, loff_t*, size_t, unsigned)>("copy_file_range");
    return data_op("copy_file_range", out, size,
                   [&](int f, size_t s) { return next(in, in_off, f, out_off, s, flags); });
}

int fsync(int fd) {
    static const auto next = real<int (*)(int)>("fsync");
    return sync_op("fsync", fd, next);
}

int fdatasync(int fd) {
    static const auto next = real<int (*)(int)>("fdatasync");
    return sync_op("fdatasync", fd, next);
}

int close(int fd) {
    static const auto next = real<int (*)(int)>("close");
    return sync_op("close", fd, next);
}

int mkstemps(char* pattern, int suffix_length) {
    static const auto next = real<int (*)(char*, int)>("mkstemps");
    return path_op("mkstemps", pattern, [&] { return next(pattern, suffix_length); });
}

int mkstemps64(char* pattern, int suffix_length) { return mkstemps(pattern, suffix_length); }

int rename(const char* from, const char* to) {
    static const auto next = real<int (*)(const char*, const char*)>("rename");
    return path_op("rename", from, [&] { return next(from, to); });
}

}  // extern "C"
