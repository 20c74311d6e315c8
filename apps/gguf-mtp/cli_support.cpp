#include "cli_support.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
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
    size_t at = 0;
    auto digits = [&] {
        const size_t from = at;
        while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
        return text.substr(from, at - from);
    };
    const std::string whole = digits();
    std::string fraction;
    if (at < text.size() && text[at] == '.') {
        ++at;
        fraction = digits();
        if (fraction.empty()) return std::nullopt;
    }
    if (whole.empty() || whole.size() > 19 || fraction.size() > 18) return std::nullopt;
    const std::string unit = text.substr(at);
    static const std::pair<const char*, uint64_t> kUnits[] = {
        {"", 1}, {"K", 1000}, {"k", 1000}, {"M", 1000'000}, {"G", 1000'000'000}, {"T", 1000'000'000'000},
        {"KB", 1000}, {"kB", 1000}, {"MB", 1000'000}, {"GB", 1000'000'000}, {"TB", 1000'000'000'000},
        {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40}};
    const auto* found = std::find_if(std::begin(kUnits), std::end(kUnits), [&](const auto& u) { return unit == u.first; });
    if (found == std::end(kUnits)) return std::nullopt;
    const unsigned __int128 scale = found->second;
    unsigned __int128 tenths = 1;
    for (size_t i = 0; i < fraction.size(); ++i) tenths *= 10;
    // Exact in 128 bits: whole * scale + fraction * scale / 10^digits, rounded down.
    const unsigned __int128 bytes = std::stoull(whole) * scale + (fraction.empty() ? 0 : std::stoull(fraction) * scale / tenths);
    if (bytes == 0 || bytes > UINT64_MAX) return std::nullopt;
    return static_cast<uint64_t>(bytes);
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
