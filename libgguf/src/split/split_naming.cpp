#include "gguf/split/split_naming.h"

#include <cstdio>
#include <regex>

namespace gguf {

std::string split_path(const std::string& prefix, uint32_t index, uint32_t count) {
    char suffix[48];
    std::snprintf(suffix, sizeof suffix, "-%05u-of-%05u.gguf", index + 1, count);
    return prefix + suffix;
}

std::optional<SplitName> parse_split_path(const std::string& path) {
    static const std::regex pattern(R"(^(.+)-(\d{5})-of-(\d{5})\.gguf$)");
    std::smatch m;
    if (!std::regex_match(path, m, pattern)) return std::nullopt;
    const uint32_t number = static_cast<uint32_t>(std::stoul(m[2]));
    const uint32_t count = static_cast<uint32_t>(std::stoul(m[3]));
    if (number == 0 || count == 0 || number > count) return std::nullopt;
    return SplitName{m[1], number - 1, count};
}

std::string output_prefix(const std::string& path) {
    constexpr std::string_view ext = ".gguf";
    if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0) {
        return path.substr(0, path.size() - ext.size());
    }
    return path;
}

}  // namespace gguf
