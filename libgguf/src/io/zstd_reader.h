// The decompressed bytes of a .zst file, read from the start in order while
// holding only zstd's own buffers: reading a model's header this way costs
// the header's bytes, not a decompressed copy of the whole model.
#pragma once

#include <zstd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/io/file_identity.h"

namespace gguf {

// Whether `path` names a zstd-compressed file (it ends in .zst).
bool is_zstd_path(const std::string& path);

class ZstdReader {
public:
    static Result<std::unique_ptr<ZstdReader>> open(const std::string& path);
    ~ZstdReader();
    ZstdReader(const ZstdReader&) = delete;
    ZstdReader& operator=(const ZstdReader&) = delete;

    const std::string& path() const { return path_; }
    FileIdentity identity() const { return identity_; }

    // The size the first frame declares for its content (the zstd tool
    // writes it when it compresses a file); nullopt when it declares none.
    std::optional<uint64_t> declared_size() const { return declared_size_; }

    // Appends the next decompressed bytes to `out` until it holds `size`
    // bytes or the stream ends (then fewer). Errors name the file and the
    // compressed offset: a read failure, bytes that are not zstd, a stream
    // that stops inside a frame.
    Status read_to(std::vector<uint8_t>& out, uint64_t size);

    // Decompresses the rest of the stream, keeping nothing, and returns the
    // whole decompressed size (the bytes read so far included).
    Result<uint64_t> count_to_end();

private:
    ZstdReader() = default;
    // Decompresses the next piece of the stream into pending_; leaves it
    // empty at the stream's end.
    Status next_piece();

    std::string path_;
    int fd_ = -1;
    FileIdentity identity_;
    std::optional<uint64_t> declared_size_;
    ZSTD_DCtx* ctx_ = nullptr;
    std::vector<uint8_t> in_buffer_;
    ZSTD_inBuffer in_{nullptr, 0, 0};
    uint64_t in_offset_ = 0;     // compressed bytes read from the file
    uint64_t out_offset_ = 0;    // decompressed bytes produced
    size_t frame_left_ = 0;      // ZSTD_decompressStream's last hint: 0 at a frame's end
    bool input_ended_ = false;
    std::vector<uint8_t> pending_;  // decompressed, not yet handed out
    size_t pending_at_ = 0;
};

}  // namespace gguf
