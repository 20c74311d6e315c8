#include "line_diff.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace gguf_test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

struct Edit {
    char mark;  // ' ' kept, '-' only in expected, '+' only in actual
    size_t a, b;  // line index in expected and in actual where it stands
};

// The shortest edit script, from the longest common subsequence of lines;
// outputs here are a few hundred lines, so the quadratic table is cheap.
std::vector<Edit> edits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<std::vector<size_t>> common(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
    for (size_t i = a.size(); i-- > 0;) {
        for (size_t j = b.size(); j-- > 0;) {
            common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
        }
    }
    std::vector<Edit> script;
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (i < a.size() && j < b.size() && a[i] == b[j]) {
            script.push_back({' ', i++, j++});
        } else if (j == b.size() || (i < a.size() && common[i + 1][j] >= common[i][j + 1])) {
            script.push_back({'-', i++, j});
        } else {
            script.push_back({'+', i, j++});
        }
    }
    return script;
}

}  // namespace

std::string unified_diff(const std::string& expected, const std::string& actual, size_t context) {
    const auto a = lines_of(expected), b = lines_of(actual);
    const auto script = edits(a, b);
    std::string out;
    size_t at = 0;
    while (at < script.size()) {
        const auto change = std::find_if(script.begin() + at, script.end(), [](const Edit& e) { return e.mark != ' '; });
        if (change == script.end()) break;
        const size_t first = size_t(change - script.begin()) - std::min(context, size_t(change - script.begin()) - at);
        // A hunk runs on while the next change is within two contexts' reach.
        size_t last = size_t(change - script.begin()), kept = 0;
        for (size_t k = last; k < script.size() && kept <= 2 * context; ++k) {
            kept = script[k].mark == ' ' ? kept + 1 : 0;
            if (script[k].mark != ' ') last = k;
        }
        const size_t end = std::min(script.size(), last + 1 + context);
        size_t removed = 0, added = 0;
        std::string body;
        for (size_t k = first; k < end; ++k) {
            const Edit& e = script[k];
            body += e.mark + (e.mark == '+' ? b[e.b] : a[e.a]) + "\n";
            removed += e.mark != '+';
            added += e.mark != '-';
        }
        out += "@@ -" + std::to_string(script[first].a + 1) + "," + std::to_string(removed) + " +" + std::to_string(script[first].b + 1) +
               "," + std::to_string(added) + " @@\n" + body;
        at = end;
    }
    return out;
}

}  // namespace gguf_test
