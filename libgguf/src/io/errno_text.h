// The text of the current errno, for error messages that name a failed call.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

namespace gguf::detail {

inline std::string errno_text() { return std::strerror(errno); }

}  // namespace gguf::detail
