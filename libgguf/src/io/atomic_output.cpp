#include "atomic_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "errno_text.h"
#include "read_exact.h"

namespace gguf {
namespace {

using detail::errno_text;

constexpr size_t kBufferBytes = 4 << 20;
// Written bytes handed to the kernel's writeback at a time, as the output
// grows: the disk then writes while the next ones are computed, and the
// fsync in finish() finds little left to wait for.
constexpr uint64_t kWriteBehindBytes = 8 << 20;
constexpr char kNameChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

struct AtomicOutput::Zstd {
    ZSTD_CCtx* ctx = nullptr;
    std::vector<uint8_t> out;
    ~Zstd() { ZSTD_freeCCtx(ctx); }
};

Result<std::unique_ptr<AtomicOutput>> AtomicOutput::create(const std::string& final_path) {
    std::unique_ptr<AtomicOutput> o(new AtomicOutput);
    o->final_path_ = final_path;
    // Created with the final file's mode (0644 less the umask, applied by
    // the kernel) and O_EXCL under a fresh random name: mkstemps would give
    // 0600, and reading the umask to widen it means changing it, a race
    // with every other thread of the process.
    std::random_device entropy;
    for (int attempt = 0; attempt < 100 && o->fd_ < 0; ++attempt) {
        char name[7];
        for (int i = 0; i < 6; ++i) name[i] = kNameChars[entropy() % (sizeof(kNameChars) - 1)];
        name[6] = 0;
        const std::string candidate = final_path + "." + name + ".partial";
        o->fd_ = ::open(candidate.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (o->fd_ >= 0) o->temp_path_ = candidate;
        else if (errno != EEXIST) break;
    }
    if (o->fd_ < 0) return fail(ErrorCode::io, final_path, "cannot create a temporary file beside it: " + errno_text());
    if (ends_with(final_path, ".zst")) {
        o->zstd_ = std::make_unique<Zstd>();
        o->zstd_->ctx = ZSTD_createCCtx();
        o->zstd_->out.resize(ZSTD_CStreamOutSize());
        ZSTD_CCtx_setParameter(o->zstd_->ctx, ZSTD_c_compressionLevel, 3);
        ZSTD_CCtx_setParameter(o->zstd_->ctx, ZSTD_c_checksumFlag, 1);
        // Worker threads when libzstd was built with them; silently single-threaded otherwise.
        ZSTD_CCtx_setParameter(o->zstd_->ctx, ZSTD_c_nbWorkers, static_cast<int>(std::thread::hardware_concurrency()));
    }
    return o;
}

AtomicOutput::~AtomicOutput() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicOutput::wrote(uint64_t bytes) {
    file_bytes_ += bytes;
    if (file_bytes_ - written_back_ < kWriteBehindBytes) return;
    // Only starts the writeback, without waiting for it: durability is
    // still finish()'s fsync, so a filesystem that refuses this loses
    // nothing but the head start.
    ::sync_file_range(fd_, static_cast<off_t>(written_back_), static_cast<off_t>(file_bytes_ - written_back_), SYNC_FILE_RANGE_WRITE);
    written_back_ = file_bytes_;
}

void AtomicOutput::copied(uint64_t bytes) {
    // Left to the kernel's own writeback and to finish()'s fsync, as cp
    // leaves them: starting their writeback while the copy still reads
    // makes the disk take turns between the input's reads and these writes,
    // and a surgery command took longer than cp + sync (issue 19).
    file_bytes_ += bytes;
    written_back_ = file_bytes_;
}

Status AtomicOutput::write_raw(const uint8_t* data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(ErrorCode::io, final_path_, "write failed: " + errno_text());
        }
        data += n;
        size -= static_cast<size_t>(n);
        wrote(static_cast<uint64_t>(n));
    }
    return {};
}

Status AtomicOutput::write_compressed(std::span<const uint8_t> bytes, bool end) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    for (;;) {
        ZSTD_outBuffer out{zstd_->out.data(), zstd_->out.size(), 0};
        const size_t left = ZSTD_compressStream2(zstd_->ctx, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(left)) return fail(ErrorCode::io, final_path_, std::string("zstd: ") + ZSTD_getErrorName(left));
        auto ok = write_raw(zstd_->out.data(), out.pos);
        if (!ok) return ok;
        if (end ? left == 0 : in.pos == in.size) return {};
    }
}

Status AtomicOutput::write(std::span<const uint8_t> bytes) {
    written_ += bytes.size();
    if (zstd_) return write_compressed(bytes, false);
    return write_raw(bytes.data(), bytes.size());
}

Status AtomicOutput::write_zeros(uint64_t count) {
    static const std::vector<uint8_t> zeros(4096, 0);
    while (count > 0) {
        const size_t n = std::min<uint64_t>(count, zeros.size());
        auto ok = write(std::span(zeros.data(), n));
        if (!ok) return ok;
        count -= n;
    }
    return {};
}

Status AtomicOutput::copy_from(int in_fd, uint64_t offset, uint64_t length, const std::string& in_path) {
    if (!zstd_) {
        // As cp does: the kernel then reads ahead twice as far.
        ::posix_fadvise(in_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        loff_t in_off = static_cast<loff_t>(offset);
        uint64_t left = length;
        while (left > 0) {
            const ssize_t n = ::copy_file_range(in_fd, &in_off, fd_, nullptr, left, 0);
            if (n > 0) {
                left -= static_cast<uint64_t>(n);
                written_ += static_cast<uint64_t>(n);
                copied(static_cast<uint64_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
                return fail(ErrorCode::io, final_path_, "copy from " + in_path + " failed: " + errno_text());
            }
            break;  // this pair of files cannot copy in the kernel: read and write below
        }
        offset = static_cast<uint64_t>(in_off);
        length = left;
    }
    std::vector<uint8_t> buffer(std::min<uint64_t>(length, kBufferBytes));
    while (length > 0) {
        const auto piece = std::span(buffer).first(std::min<uint64_t>(length, buffer.size()));
        if (auto ok = detail::read_exact(in_fd, offset, piece, in_path); !ok) return ok;
        if (auto ok = write(piece); !ok) return ok;
        offset += piece.size();
        length -= piece.size();
    }
    return {};
}

Status AtomicOutput::finish() {
    if (zstd_) {
        auto ok = write_compressed({}, true);
        if (!ok) return ok;
    }
    if (::fsync(fd_) != 0) return fail(ErrorCode::io, final_path_, "fsync failed: " + errno_text());
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return fail(ErrorCode::io, final_path_, "close failed: " + errno_text());
    return {};
}

Status AtomicOutput::commit() {
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        return fail(ErrorCode::io, final_path_, "cannot rename the finished temporary " + temp_path_ + ": " + errno_text());
    }
    committed_ = true;
    const int dir = ::open(directory_of(final_path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

void AtomicOutput::withdraw() {
    if (committed_) ::unlink(final_path_.c_str());
    committed_ = false;
}

}  // namespace gguf
