// Content hashes of whole files, as manifests record them.
//
// XXH3-128 of the file's bytes as stored (a .gguf.zst is hashed compressed),
// written as 32 lower-case hex digits in xxhsum's canonical order, so
// `xxh128sum FILE` prints the same digits. The file is read sequentially in
// bounded memory, whatever its size.
//
// Thread safety: each call reads its own file; calls may run at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "gguf/error.h"

namespace gguf {

struct FileHash {
    uint64_t bytes = 0;
    std::string xxh3_128;
};

// `on_bytes`, when set, is called on the calling thread with the bytes hashed
// so far, after every read.
Result<FileHash> hash_file(const std::string& path, const std::function<void(uint64_t bytes_done)>& on_bytes = {});

}  // namespace gguf
