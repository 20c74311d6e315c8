// A .zst input read as it decompresses, with no temporary copy: what
// surgery needs, whose writer reads each input's tensors front to back.
// Reading further on skips (decompresses and drops) the bytes between;
// reading back restarts the stream from its start, which is correct but
// costs a second pass, so readers that jump about (quantize's threads) use
// MappedFile's decompressed copy instead.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "readable_file.h"
#include "zstd_reader.h"

namespace gguf {

class ZstdStreamFile : public ReadableFile {
public:
    // `size`: the decompressed size the header was checked against.
    static Result<std::unique_ptr<ZstdStreamFile>> open(const std::string& path, uint64_t size);

    uint64_t size() const override { return size_; }
    FileIdentity identity() const override { return identity_; }
    Status read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const override;

private:
    ZstdStreamFile() = default;
    // Moves the stream to `offset`, restarting it when it is already past.
    Status seek_forward(uint64_t offset, const std::string& name) const;
    std::unexpected<Error> ends_early(const std::string& name) const;

    std::string path_;
    uint64_t size_ = 0;
    FileIdentity identity_;
    mutable std::mutex mutex_;  // one reader moves the stream at a time
    mutable std::unique_ptr<ZstdReader> reader_;
    mutable uint64_t position_ = 0;  // decompressed bytes the reader has handed out
    mutable std::vector<uint8_t> piece_;
};

}  // namespace gguf
