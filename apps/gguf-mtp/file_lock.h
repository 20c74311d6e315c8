// An exclusive flock(2) on a lock file, held until the object is destroyed.
// Batch runs, of this binary or of scripts/mtp-batch's older versions, take
// the same hidden lock files, so any of them may run side by side; flock
// also works across hosts on the shared file systems batches run on (NFSv4,
// Lustre with -o flock, CephFS, GPFS).
#pragma once

#include <string>

#include "gguf/error.h"

namespace gguf_mtp {

class FileLock {
public:
    // Creates the lock file if needed and waits until the lock is ours, or
    // until a termination request (see termination.h) arrives.
    static gguf::Result<FileLock> acquire(const std::string& path);

    FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    FileLock& operator=(FileLock&&) = delete;
    FileLock(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace gguf_mtp
