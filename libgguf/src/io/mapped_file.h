// A file opened read-only and mapped into memory. Inputs are never opened
// writable, so nothing gguf-mtp does can change them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "gguf/error.h"
#include "gguf/io/file_identity.h"

namespace gguf {

class MappedFile {
public:
    static Result<std::unique_ptr<MappedFile>> open(const std::string& path);
    ~MappedFile();

    std::span<const uint8_t> bytes() const { return {data_, size_}; }
    uint64_t size() const { return size_; }
    int fd() const { return fd_; }
    FileIdentity identity() const { return identity_; }

private:
    MappedFile() = default;
    int fd_ = -1;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
    FileIdentity identity_;
};

// Lets the kernel take back the resident pages of `mapped` (a range of a
// MappedFile's bytes that will not be read again soon): streaming a large
// tensor then keeps only the bytes in flight resident, not the whole tensor.
// The data stays in the page cache and reads back unchanged if touched again.
void release_resident_pages(std::span<const uint8_t> mapped);

}  // namespace gguf
