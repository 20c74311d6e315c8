// The one way tensor data is read from an input, whatever holds its bytes:
// a plain file (pread, with a read-only mapping beside it), or a .zst
// stream decompressed as it is read. Readers ask for bytes at an offset and
// get them or an error naming the file and the offset; none of them touches
// a mapping that could fault if the file shrank. Remote inputs plug in here.
//
// Thread safety: read_at may be called from several threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "gguf/error.h"
#include "gguf/io/file_identity.h"

namespace gguf {

class ReadableFile {
public:
    virtual ~ReadableFile() = default;

    // The bytes a reader sees (decompressed, for a stream).
    virtual uint64_t size() const = 0;
    // The file on disk, to refuse writing over it under any name.
    virtual FileIdentity identity() const = 0;

    // out.size() bytes at `offset`; an error names `name` and the offset
    // where the bytes are not there (the file shrank, a read failed).
    virtual Status read_at(uint64_t offset, std::span<uint8_t> out, const std::string& name) const = 0;

    // A descriptor holding the same bytes at the same offsets, for copies
    // the kernel makes (copy_file_range); -1 where there is none.
    virtual int fd() const { return -1; }
    // All the bytes, mapped read-only; empty where they are not mapped.
    virtual std::span<const uint8_t> mapping() const { return {}; }
    // Bytes received from a server so far (a URL's answers, retries
    // included); 0 where nothing crosses a network.
    virtual uint64_t bytes_fetched() const { return 0; }
};

}  // namespace gguf
