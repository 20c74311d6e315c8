#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "errno_text.h"
#include "read_exact.h"
#include "zstd_reader.h"

namespace gguf {
namespace {

using detail::errno_text;

// Decompresses a .zst stream into an anonymous temporary file (never visible
// in the file system, gone when closed) and returns its descriptor, so the
// rest of libgguf reads it like any GGUF file.
Result<int> decompress_to_anonymous_file(const std::string& path) {
    auto reader = ZstdReader::open(path);
    if (!reader) return std::unexpected(reader.error());
    const char* tmpdir = std::getenv("TMPDIR");
    const int out = ::open(tmpdir && *tmpdir ? tmpdir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (out < 0) return fail(ErrorCode::io, path, "cannot create a temporary file to decompress into: " + errno_text());
    std::vector<uint8_t> piece;
    for (;;) {
        piece.clear();
        if (auto ok = (*reader)->read_to(piece, ZSTD_DStreamOutSize()); !ok) {
            ::close(out);
            return std::unexpected(ok.error());
        }
        if (piece.empty()) return out;
        for (size_t done = 0; done < piece.size();) {
            const ssize_t w = ::write(out, piece.data() + done, piece.size() - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                ::close(out);
                return fail(ErrorCode::io, path, "cannot write the decompressed copy: " + errno_text());
            }
            done += static_cast<size_t>(w);
        }
    }
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
        auto plain = decompress_to_anonymous_file(path);
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

void MappedFile::release(uint64_t end) const {
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t whole_pages = std::min(end, size_) / page * page;
    // Only a hint: where it fails the pages stay, costing memory, not correctness.
    if (data_ && whole_pages > 0) (void)::madvise(const_cast<uint8_t*>(data_), whole_pages, MADV_DONTNEED);
}

Status MappedFile::read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const {
    return detail::read_exact(fd_, offset, out, name);
}

}  // namespace gguf
