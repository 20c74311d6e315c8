#include "read_exact.h"

#include <unistd.h>

#include "errno_text.h"

namespace gguf::detail {

Status read_exact(int fd, uint64_t offset, std::span<uint8_t> out, const std::string& name) {
    while (!out.empty()) {
        const ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(ErrorCode::io, name, "read failed: " + errno_text(), offset);
        if (n == 0) return fail(ErrorCode::io, name, "file shrank while being read", offset);
        offset += static_cast<uint64_t>(n);
        out = out.subspan(static_cast<size_t>(n));
    }
    return {};
}

}  // namespace gguf::detail
