#include "output_names.h"

#include "gguf/io/remote.h"
#include "gguf/split/split_naming.h"

namespace gguf_mtp {

namespace {

bool strip_suffix(std::string& s, std::string_view suffix) {
    if (s.size() <= suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
    s.resize(s.size() - suffix.size());
    return true;
}

}  // namespace

std::string directory_of(const std::string& path) {
    if (gguf::is_remote(path)) return {};  // a URL's outputs go to the current directory
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string model_stem(const std::string& path) {
    std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    if (auto split = gguf::parse_split_path(name)) return split->prefix;
    strip_suffix(name, ".zst");
    strip_suffix(name, ".gguf");
    return name;
}

std::string default_head_name(const std::string& input) { return directory_of(input) + "mtp-" + model_stem(input) + ".gguf"; }
std::string default_trunk_name(const std::string& input) { return directory_of(input) + model_stem(input) + "-no-mtp.gguf"; }
std::string default_merged_name(const std::string& trunk) {
    return directory_of(trunk) + model_stem(trunk) + "-with-mtp.gguf";
}
std::string quantized_name(const std::string& output, const std::string& type) {
    return directory_of(output) + model_stem(output) + "-" + type + ".gguf";
}

}  // namespace gguf_mtp
