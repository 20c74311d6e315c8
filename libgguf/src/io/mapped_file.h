// A file opened read-only and mapped into memory. Inputs are never opened
// writable, so nothing gguf-mtp does can change them. A .zst file opens as
// an unnamed temporary copy of the bytes it holds, for readers that need to
// read anywhere (quantize's threads); ZstdStreamFile reads one without.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "gguf/error.h"
#include "gguf/io/file_identity.h"
#include "readable_file.h"

namespace gguf {

class MappedFile : public ReadableFile {
public:
    static Result<std::unique_ptr<MappedFile>> open(const std::string& path);
    ~MappedFile() override;

    std::span<const uint8_t> bytes() const { return {data_, size_}; }
    uint64_t size() const override { return size_; }
    int fd() const override { return fd_; }
    FileIdentity identity() const override { return identity_; }
    std::span<const uint8_t> mapping() const override { return bytes(); }
    // Lets the mapped pages of the first `end` bytes (whole pages) go from
    // this process's memory; reading them again maps them in again. The
    // header's bytes, once parsed into values of their own, are not read
    // from the mapping again, and would otherwise count twice.
    void release(uint64_t end) const;
    // Reads out.size() bytes at `offset` with pread, not through the mapping:
    // a file that shrank since it was opened, or a read that fails, is an
    // error naming `name` and the offset instead of a SIGBUS.
    Status read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const override;

private:
    MappedFile() = default;
    int fd_ = -1;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
    FileIdentity identity_;
};

}  // namespace gguf
