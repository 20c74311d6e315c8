#include "cli_support.h"

#include <unistd.h>

#include <cstdio>

namespace gguf_mtp {

int report_error(const gguf::Error& error) {
    std::fprintf(stderr, "gguf-mtp: error: %s\n", error.to_string().c_str());
    return error.code == gguf::ErrorCode::invalid_argument ? kExitUsage : kExitError;
}

std::optional<uint64_t> parse_size(const std::string& text) {
    if (text.empty()) return std::nullopt;
    size_t used = 0;
    uint64_t number = 0;
    try {
        number = std::stoull(text, &used);
    } catch (...) {
        return std::nullopt;
    }
    const std::string unit = text.substr(used);
    uint64_t scale = 1;
    if (unit == "K" || unit == "k") scale = 1000;
    else if (unit == "M") scale = 1000ull * 1000;
    else if (unit == "G") scale = 1000ull * 1000 * 1000;
    else if (unit == "T") scale = 1000ull * 1000 * 1000 * 1000;
    else if (!unit.empty()) return std::nullopt;
    if (number == 0 || number > UINT64_MAX / scale) return std::nullopt;
    return number * scale;
}

std::string format_bytes(uint64_t bytes) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace gguf_mtp
