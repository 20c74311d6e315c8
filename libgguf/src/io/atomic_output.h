// An output file that appears under its final name only when complete.
//
// Bytes go to a temporary file beside the final path (same directory, so the
// rename is atomic): FINAL.XXXXXX.partial. Written bytes are handed to the
// kernel's writeback as the file grows, so the disk works alongside the
// writer; bytes copied in the kernel are left to it, as cp leaves them.
// finish() fsyncs it,
// commit() renames it; destroying an uncommitted output removes the
// temporary, so a failed or interrupted write leaves nothing behind under
// the final name. Paths ending in ".zst" are written as a zstd stream.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "gguf/error.h"

namespace gguf {

class AtomicOutput {
public:
    static Result<std::unique_ptr<AtomicOutput>> create(const std::string& final_path);
    ~AtomicOutput();

    Status write(std::span<const uint8_t> bytes);
    Status write_zeros(uint64_t count);
    // Copies `length` bytes at `offset` of an input, in the kernel when the
    // filesystem allows it.
    Status copy_from(int in_fd, uint64_t offset, uint64_t length, const std::string& in_path);

    // Flushes, fsyncs and closes the temporary (still under its temporary name).
    Status finish();
    // Renames a finished temporary to the final path.
    Status commit();
    // Removes a committed output again: a split set whose later shard cannot
    // be committed must not be left in part under its final names.
    void withdraw();

    const std::string& final_path() const { return final_path_; }
    uint64_t bytes_written() const { return written_; }

private:
    AtomicOutput() = default;
    Status write_raw(const uint8_t* data, size_t size);
    // Counts bytes that reached the file and starts writing back a large
    // enough run of them.
    void wrote(uint64_t bytes);
    // Counts bytes that copy_file_range put in the file.
    void copied(uint64_t bytes);
    Status write_compressed(std::span<const uint8_t> bytes, bool end);

    std::string final_path_;
    std::string temp_path_;
    int fd_ = -1;
    bool committed_ = false;
    uint64_t written_ = 0;       // uncompressed bytes
    uint64_t file_bytes_ = 0;    // bytes in the file (compressed ones for .zst)
    uint64_t written_back_ = 0;  // the file's first bytes whose writeback has started
    struct Zstd;
    std::unique_ptr<Zstd> zstd_;
};

}  // namespace gguf
