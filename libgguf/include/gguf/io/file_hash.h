// Content hashes of whole files, as manifests record them.
//
// XXH3-128 of the file's bytes as stored (a .gguf.zst is hashed compressed),
// written as 32 lower-case hex digits in xxhsum's canonical order, so
// `xxh128sum FILE` prints the same digits. The file is read sequentially in
// bounded memory, whatever its size. A URL (gguf/io/remote.h) is hashed as
// its bytes arrive, each byte fetched once, with range requests on several
// connections: the same digits as for the file it serves.
//
// Thread safety: each call reads its own file; calls may run at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "gguf/error.h"
#include "gguf/io/remote.h"

namespace gguf {

struct FileHash {
    uint64_t bytes = 0;
    std::string xxh3_128;
};

// Called on the calling thread after every read with the bytes hashed so
// far and the file's size.
using HashProgress = std::function<void(uint64_t bytes_done, uint64_t bytes_total)>;

Result<FileHash> hash_file(const std::string& path, const HashProgress& on_bytes = {}, const RemoteOptions& remote = {});

}  // namespace gguf
