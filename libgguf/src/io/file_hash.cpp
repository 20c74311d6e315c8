#include "gguf/io/file_hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "errno_text.h"
#include "gguf/io/content_hash.h"

namespace gguf {
namespace {

constexpr size_t kReadBytes = size_t(4) << 20;

struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};

}  // namespace

Result<FileHash> hash_file(const std::string& path, const std::function<void(uint64_t)>& on_bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::io, path, std::string("cannot open: ") + detail::errno_text());
    FdCloser closer{fd};
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    ContentHash hash;
    std::vector<uint8_t> buffer(kReadBytes);
    FileHash result;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorCode::io, path, std::string("read failed: ") + detail::errno_text(), result.bytes);
        if (n == 0) break;
        hash.update(std::span(buffer).first(static_cast<size_t>(n)));
        result.bytes += static_cast<uint64_t>(n);
        if (on_bytes) on_bytes(result.bytes);
    }
    result.xxh3_128 = hash.hex();
    return result;
}

}  // namespace gguf
