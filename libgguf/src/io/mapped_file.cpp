#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "errno_text.h"
#include "zstd_reader.h"

namespace gguf {
namespace {

using detail::errno_text;

// Decompresses a .zst stream into an anonymous temporary file (never visible
// in the file system, gone when closed) and returns its descriptor, so the
// rest of libgguf reads it like any GGUF file.
Result<int> decompress_to_anonymous_file(int in_fd, const std::string& path) {
    const char* tmpdir = std::getenv("TMPDIR");
    const int out = ::open(tmpdir && *tmpdir ? tmpdir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (out < 0) return fail(ErrorCode::io, path, "cannot create a temporary file to decompress into: " + errno_text());
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    std::vector<uint8_t> in_buf(ZSTD_DStreamInSize()), out_buf(ZSTD_DStreamOutSize());
    uint64_t in_offset = 0;
    size_t last = 0;
    auto cleanup = [&](std::unexpected<Error> e) -> Result<int> {
        ZSTD_freeDCtx(ctx);
        ::close(out);
        return e;
    };
    for (;;) {
        const ssize_t n = ::read(in_fd, in_buf.data(), in_buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return cleanup(fail(ErrorCode::io, path, "read failed: " + errno_text(), in_offset));
        if (n == 0) break;
        ZSTD_inBuffer in{in_buf.data(), static_cast<size_t>(n), 0};
        while (in.pos < in.size) {
            ZSTD_outBuffer o{out_buf.data(), out_buf.size(), 0};
            last = ZSTD_decompressStream(ctx, &o, &in);
            if (ZSTD_isError(last)) {
                return cleanup(fail(ErrorCode::bad_format, path, std::string("not a valid zstd stream: ") + ZSTD_getErrorName(last), in_offset));
            }
            for (size_t done = 0; done < o.pos;) {
                const ssize_t w = ::write(out, out_buf.data() + done, o.pos - done);
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) return cleanup(fail(ErrorCode::io, path, "cannot write the decompressed copy: " + errno_text()));
                done += static_cast<size_t>(w);
            }
        }
        in_offset += static_cast<uint64_t>(n);
    }
    if (last != 0) return cleanup(fail(ErrorCode::truncated, path, "zstd stream ends in the middle of a frame", in_offset));
    ZSTD_freeDCtx(ctx);
    return out;
}

}  // namespace

std::optional<FileIdentity> identity_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

Result<std::unique_ptr<MappedFile>> MappedFile::open(const std::string& path) {
    std::unique_ptr<MappedFile> file(new MappedFile);
    file->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file->fd_ < 0) return fail(ErrorCode::io, path, "cannot open: " + errno_text());
    struct stat st {};
    if (::fstat(file->fd_, &st) == 0 && S_ISREG(st.st_mode)) {
        // The identity is the compressed file's: that is the file that must never be written over.
        file->identity_ = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
    }
    if (is_zstd_path(path)) {
        auto plain = decompress_to_anonymous_file(file->fd_, path);
        if (!plain) return std::unexpected(plain.error());
        ::close(file->fd_);
        file->fd_ = *plain;
    }
    if (::fstat(file->fd_, &st) != 0) return fail(ErrorCode::io, path, "cannot stat: " + errno_text());
    if (!S_ISREG(st.st_mode)) return fail(ErrorCode::invalid_argument, path, "not a regular file");
    file->size_ = static_cast<uint64_t>(st.st_size);
    if (file->size_ > 0) {
        void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, file->fd_, 0);
        if (p == MAP_FAILED) return fail(ErrorCode::io, path, "cannot map: " + errno_text());
        file->data_ = static_cast<const uint8_t*>(p);
    }
    return file;
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
}

Status MappedFile::read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const {
    while (!out.empty()) {
        const ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorCode::io, name, "read failed: " + errno_text(), offset);
        if (n == 0) return fail(ErrorCode::truncated, name, "file shrank while being read (expected " + std::to_string(out.size()) + " more bytes)", offset);
        offset += static_cast<uint64_t>(n);
        out = out.subspan(static_cast<size_t>(n));
    }
    return {};
}

}  // namespace gguf
