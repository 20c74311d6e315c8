#include "zstd_stream_file.h"

#include <algorithm>
#include <cstring>

namespace gguf {
namespace {

// Decompressed bytes moved per step while skipping or reading.
constexpr uint64_t kPieceBytes = 1ull << 20;

}  // namespace

std::unexpected<Error> ZstdStreamFile::ends_early(const std::string& name) const {
    return fail(ErrorCode::truncated, name, "the decompressed stream ends here, before the " + std::to_string(size_) + " bytes its header promised",
                position_);
}

Result<std::unique_ptr<ZstdStreamFile>> ZstdStreamFile::open(const std::string& path, uint64_t size) {
    auto reader = ZstdReader::open(path);
    if (!reader) return std::unexpected(reader.error());
    std::unique_ptr<ZstdStreamFile> file(new ZstdStreamFile);
    file->path_ = path;
    file->size_ = size;
    file->identity_ = (*reader)->identity();
    file->reader_ = std::move(*reader);
    return file;
}

Status ZstdStreamFile::seek_forward(uint64_t offset, const std::string& name) const {
    if (offset < position_) {
        auto reader = ZstdReader::open(path_);
        if (!reader) return std::unexpected(reader.error());
        reader_ = std::move(*reader);
        position_ = 0;
    }
    while (position_ < offset) {
        piece_.clear();
        if (auto ok = reader_->read_to(piece_, std::min(kPieceBytes, offset - position_)); !ok) return ok;
        if (piece_.empty()) return ends_early(name);
        position_ += piece_.size();
    }
    return {};
}

Status ZstdStreamFile::read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const {
    std::lock_guard lock(mutex_);
    if (auto ok = seek_forward(offset, name); !ok) return ok;
    for (size_t done = 0; done < out.size();) {
        piece_.clear();
        if (auto ok = reader_->read_to(piece_, std::min<uint64_t>(kPieceBytes, out.size() - done)); !ok) return ok;
        if (piece_.empty()) return ends_early(name);
        std::memcpy(out.data() + done, piece_.data(), piece_.size());
        done += piece_.size();
        position_ += piece_.size();
    }
    return {};
}

}  // namespace gguf
