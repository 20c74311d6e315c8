#include "golden_scrub.h"

#include <regex>

namespace gguf_test {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
}

}  // namespace

// Each rule is here because a case's output differs without it. Add one only
// for output that cannot be the same everywhere, never to hide a change.
std::string scrub(std::string text, const GoldenPlaces& places) {
    // A new temporary directory for every run of a case.
    replace_all(text, places.dir, "{dir}");
    // Where the build tree, and so the generated fixtures, lie.
    replace_all(text, places.fixtures, "{fixtures}");
    // The wall-clock time and rate in the summary a writing command prints
    // ("extract: 24 tensors, 173.41 KiB in 0.01 s (33.11 MiB/s) -> ...").
    static const std::regex timing(R"(in [0-9]+\.[0-9]+ s \([^)]*/s\))");
    return std::regex_replace(text, timing, "in {seconds} s ({rate}/s)");
}

}  // namespace gguf_test
