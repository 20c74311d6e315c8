// Where a file lives on disk, to recognise the same file under another name
// (symlink, hard link).
//
// Thread safety: a plain value and a stat(2) call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace gguf {

struct FileIdentity {
    uint64_t device = 0;
    uint64_t inode = 0;
    friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// Identity of an existing path; nullopt when it does not exist.
std::optional<FileIdentity> identity_of(const std::string& path);

}  // namespace gguf
