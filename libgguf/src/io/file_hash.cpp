#include "gguf/io/file_hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <future>
#include <vector>

#include "errno_text.h"
#include "gguf/io/content_hash.h"
#include "http_range_file.h"

namespace gguf {
namespace {

constexpr size_t kReadBytes = size_t(4) << 20;
// A URL is read in pieces of this size: each several range requests on
// parallel connections (HttpRangeFile), with one piece in memory being
// hashed while the next arrives.
constexpr uint64_t kRemotePiece = uint64_t(32) << 20;

struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
};

Result<FileHash> hash_local(const std::string& path, const HashProgress& on_bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::io, path, std::string("cannot open: ") + detail::errno_text());
    FdCloser closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(ErrorCode::io, path, std::string("cannot stat: ") + detail::errno_text());
    const uint64_t size = static_cast<uint64_t>(st.st_size);
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
        if (on_bytes) on_bytes(result.bytes, std::max(size, result.bytes));
    }
    result.xxh3_128 = hash.hex();
    return result;
}

Result<FileHash> hash_remote(const std::string& name, const HashProgress& on_bytes, const RemoteOptions& remote) {
    auto url = resolve_remote(name, remote);
    if (!url) return std::unexpected(url.error());
    auto opened = HttpRangeFile::open(name, *url, remote);
    if (!opened) return std::unexpected(opened.error());
    const ReadableFile& file = **opened;
    const uint64_t size = file.size();
    std::array<std::vector<uint8_t>, 2> pieces;  // the one being hashed, the one arriving
    auto fetch = [&](uint64_t at, std::vector<uint8_t>& piece) {
        piece.resize(std::min(kRemotePiece, size - at));
        return file.read_at(at, piece, name);
    };
    ContentHash hash;
    FileHash result;
    std::future<Status> arriving;
    if (size > 0) arriving = std::async(std::launch::async, fetch, uint64_t(0), std::ref(pieces[0]));
    for (size_t k = 0; result.bytes < size; ++k) {
        if (auto ok = arriving.get(); !ok) return std::unexpected(ok.error());
        const std::vector<uint8_t>& piece = pieces[k % 2];
        const uint64_t next = result.bytes + piece.size();
        if (next < size) arriving = std::async(std::launch::async, fetch, next, std::ref(pieces[(k + 1) % 2]));
        hash.update(piece);
        result.bytes = next;
        if (on_bytes) on_bytes(result.bytes, size);
    }
    result.xxh3_128 = hash.hex();
    return result;
}

}  // namespace

Result<FileHash> hash_file(const std::string& path, const HashProgress& on_bytes, const RemoteOptions& remote) {
    return is_remote(path) ? hash_remote(path, on_bytes, remote) : hash_local(path, on_bytes);
}

}  // namespace gguf
