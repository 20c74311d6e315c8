#include "file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "termination.h"

namespace gguf_mtp {

gguf::Result<FileLock> FileLock::acquire(const std::string& path) {
    // Mode 0666 less the umask, as a shell's `exec {fd}>FILE` creates it, so
    // that every user sharing a model folder can lock it.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return gguf::fail(gguf::ErrorCode::io, path, std::string("cannot create the lock file: ") + std::strerror(errno));
    // A termination request ends the wait: the handler leaves flock with
    // EINTR (one that comes between the check and flock is seen only at the
    // next signal).
    for (;;) {
        if (termination_signal() != 0) {
            ::close(fd);
            return gguf::fail(gguf::ErrorCode::io, path, "gave up waiting for the lock: " + termination_signal_name());
        }
        if (::flock(fd, LOCK_EX) == 0) break;
        if (errno == EINTR) continue;
        const std::string why = std::strerror(errno);
        ::close(fd);
        return gguf::fail(gguf::ErrorCode::io, path, "cannot lock: " + why);
    }
    return FileLock(fd);
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace gguf_mtp
