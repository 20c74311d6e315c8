#include "zstd_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "errno_text.h"

namespace gguf {

using detail::errno_text;

bool is_zstd_path(const std::string& path) { return path.size() > 4 && path.compare(path.size() - 4, 4, ".zst") == 0; }

Result<std::unique_ptr<ZstdReader>> ZstdReader::open(const std::string& path) {
    std::unique_ptr<ZstdReader> r(new ZstdReader);
    r->path_ = path;
    r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (r->fd_ < 0) return fail(ErrorCode::io, path, "cannot open: " + errno_text());
    struct stat st {};
    if (::fstat(r->fd_, &st) != 0) return fail(ErrorCode::io, path, "cannot stat: " + errno_text());
    if (!S_ISREG(st.st_mode)) return fail(ErrorCode::invalid_argument, path, "not a regular file");
    r->identity_ = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
    r->ctx_ = ZSTD_createDCtx();
    if (!r->ctx_) return fail(ErrorCode::io, path, "cannot allocate a zstd decompressor");
    r->in_buffer_.resize(ZSTD_DStreamInSize());
    r->pending_.reserve(ZSTD_DStreamOutSize());

    // The first read holds the first frame's header, where the zstd tool
    // writes the content size.
    ssize_t n;
    do n = ::read(r->fd_, r->in_buffer_.data(), r->in_buffer_.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return fail(ErrorCode::io, path, "read failed: " + errno_text(), 0);
    r->in_ = {r->in_buffer_.data(), static_cast<size_t>(n), 0};
    r->in_offset_ = static_cast<uint64_t>(n);
    r->input_ended_ = n == 0;
    const unsigned long long size = ZSTD_getFrameContentSize(r->in_buffer_.data(), static_cast<size_t>(n));
    if (size == ZSTD_CONTENTSIZE_ERROR) return fail(ErrorCode::bad_format, path, "not a zstd stream (expected a zstd frame header)", 0);
    if (size != ZSTD_CONTENTSIZE_UNKNOWN) r->declared_size_ = size;
    return r;
}

ZstdReader::~ZstdReader() {
    if (ctx_) ZSTD_freeDCtx(ctx_);
    if (fd_ >= 0) ::close(fd_);
}

Status ZstdReader::next_piece() {
    pending_.resize(ZSTD_DStreamOutSize());
    pending_at_ = 0;
    for (;;) {
        if (in_.pos == in_.size && !input_ended_) {
            ssize_t n;
            do n = ::read(fd_, in_buffer_.data(), in_buffer_.size());
            while (n < 0 && errno == EINTR);
            if (n < 0) return fail(ErrorCode::io, path_, "read failed: " + errno_text(), in_offset_);
            in_ = {in_buffer_.data(), static_cast<size_t>(n), 0};
            in_offset_ += static_cast<uint64_t>(n);
            input_ended_ = n == 0;
        }
        if (in_.pos == in_.size && input_ended_) {
            pending_.clear();
            if (frame_left_ != 0) return fail(ErrorCode::truncated, path_, "zstd stream ends in the middle of a frame", in_offset_);
            return {};
        }
        ZSTD_outBuffer out{pending_.data(), pending_.size(), 0};
        frame_left_ = ZSTD_decompressStream(ctx_, &out, &in_);
        if (ZSTD_isError(frame_left_)) {
            return fail(ErrorCode::bad_format, path_, std::string("not a valid zstd stream: ") + ZSTD_getErrorName(frame_left_),
                        in_offset_ - (in_.size - in_.pos));
        }
        if (out.pos > 0) {
            pending_.resize(out.pos);
            out_offset_ += out.pos;
            return {};
        }
    }
}

Status ZstdReader::read_to(std::vector<uint8_t>& out, uint64_t size) {
    while (out.size() < size) {
        if (pending_at_ == pending_.size()) {
            if (auto ok = next_piece(); !ok) return ok;
            if (pending_.empty()) return {};
        }
        const size_t take = static_cast<size_t>(std::min<uint64_t>(pending_.size() - pending_at_, size - out.size()));
        out.insert(out.end(), pending_.begin() + static_cast<ptrdiff_t>(pending_at_),
                   pending_.begin() + static_cast<ptrdiff_t>(pending_at_ + take));
        pending_at_ += take;
    }
    return {};
}

Result<uint64_t> ZstdReader::count_to_end() {
    do {
        if (auto ok = next_piece(); !ok) return std::unexpected(ok.error());
    } while (!pending_.empty());
    return out_offset_;
}

}  // namespace gguf
