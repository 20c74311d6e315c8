#include "gguf/io/file_hash.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "errno_text.h"

namespace gguf {
namespace {

constexpr size_t kReadBytes = size_t(4) << 20;

struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};

struct StateDeleter {
    void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};

std::string hex_of(const XXH128_canonical_t& canonical) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char byte : canonical.digest) {
        out += kDigits[byte >> 4];
        out += kDigits[byte & 15];
    }
    return out;
}

}  // namespace

Result<FileHash> hash_file(const std::string& path, const std::function<void(uint64_t)>& on_bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::io, path, std::string("cannot open: ") + detail::errno_text());
    FdCloser closer{fd};
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    std::unique_ptr<XXH3_state_t, StateDeleter> state(XXH3_createState());
    XXH3_128bits_reset(state.get());
    std::vector<uint8_t> buffer(kReadBytes);
    FileHash result;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorCode::io, path, std::string("read failed: ") + detail::errno_text(), result.bytes);
        if (n == 0) break;
        XXH3_128bits_update(state.get(), buffer.data(), static_cast<size_t>(n));
        result.bytes += static_cast<uint64_t>(n);
        if (on_bytes) on_bytes(result.bytes);
    }
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
    result.xxh3_128 = hex_of(canonical);
    return result;
}

}  // namespace gguf
