// Reading exactly a range of an open file, for every reader that must not
// touch a mapping (a file that shrank would kill the process there).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "gguf/error.h"

namespace gguf::detail {

// Fills `out` from `fd` at `offset` with pread. A read error, or a file that
// ends first (it shrank since it was opened), is an error naming `name` and
// the offset of the bytes missing.
Status read_exact(int fd, uint64_t offset, std::span<uint8_t> out, const std::string& name);

}  // namespace gguf::detail
