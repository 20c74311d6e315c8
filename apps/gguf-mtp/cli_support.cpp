#include "cli_support.h"

#include <unistd.h>

#include <cstdio>

#include "compat_option.h"

namespace gguf_mtp {

namespace {

// The switch of this command that lifts a refusal the library made by policy.
const char* remedy_hint(gguf::Remedy remedy) {
    switch (remedy) {
        case gguf::Remedy::none: return "";
        case gguf::Remedy::replace_output: return " (use --force to replace it)";
        case gguf::Remedy::give_importance: return ": give an imatrix (--imatrix)";
        case gguf::Remedy::choose_missing_importance: return " (--imatrix-missing fallback:TYPE or uniform to go on)";
        case gguf::Remedy::allow_requantize: return " (--allow-requantize to do it)";
        case gguf::Remedy::allow_non_finite: return " (--allow-non-finite to do it anyway)";
        case gguf::Remedy::give_token: return " ($HF_TOKEN or --token-file)";
        case gguf::Remedy::allow_full_download: return " (--allow-full-download reads through it)";
    }
    return "";
}

}  // namespace

int report_error(const gguf::Error& error) {
    std::fprintf(stderr, "gguf-mtp: error: %s%s\n", error.to_string().c_str(), remedy_hint(error.remedy));
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

std::string version_text() {
    return std::string("gguf-mtp ") + GGUF_MTP_VERSION + "\nmatches llama.cpp releases " + supported_releases_text() +
           " (--compat)";
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace gguf_mtp
