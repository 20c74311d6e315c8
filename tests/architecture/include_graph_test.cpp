// The library's layering, read from its sources: a module is a folder of
// libgguf/src or libgguf/include/gguf (the files directly in them are the
// root: error.h, the vocabulary every module shares), and a module's files
// include the files of other modules only downwards. A new include that
// closes a cycle, or a Vulkan header outside the back end, fails here with
// the files that did it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kLibrary = fs::path(GGUF_MTP_SOURCE_DIR) / "libgguf";

struct Include {
    fs::path from;  // relative to libgguf/
    fs::path to;    // relative to libgguf/, or the text as written for system headers
    bool system = false;
};

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// "quant/vulkan" for src/quant/vulkan/x.cpp and include/gguf/quant/vulkan/x.h;
// "" for src/error.cpp and include/gguf/error.h.
std::string module_of(const fs::path& relative) {
    auto it = relative.begin();
    const std::string top = (it++)->string();
    if (top == "include") ++it;  // past gguf/
    fs::path folder;
    for (; it != relative.end() && std::next(it) != relative.end(); ++it) folder /= *it;
    return folder.generic_string();
}

std::vector<Include> library_includes() {
    static const std::regex include_line(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
    std::vector<Include> out;
    for (const auto& entry : fs::recursive_directory_iterator(kLibrary)) {
        const auto ext = entry.path().extension();
        if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
        const fs::path from = fs::relative(entry.path(), kLibrary);
        std::istringstream lines(read_text(entry.path()));
        for (std::string line; std::getline(lines, line);) {
            std::smatch m;
            if (!std::regex_search(line, m, include_line)) continue;
            const std::string target = m[2];
            if (target.starts_with("gguf/")) {
                out.push_back({from, fs::path("include") / target});
            } else if (m[1] == "\"" && fs::exists(entry.path().parent_path() / target)) {
                out.push_back({from, fs::relative(fs::weakly_canonical(entry.path().parent_path() / target), kLibrary)});
            } else {
                out.push_back({from, target, true});
            }
        }
    }
    return out;
}

using Graph = std::map<std::string, std::map<std::string, std::vector<std::string>>>;  // from -> to -> "file: include"

Graph module_graph() {
    Graph graph;
    for (const auto& inc : library_includes()) {
        if (inc.system) continue;
        const std::string from = module_of(inc.from), to = module_of(inc.to);
        if (from != to) graph[from][to].push_back(inc.from.generic_string() + " includes " + inc.to.generic_string());
    }
    return graph;
}

// A cycle through the graph as "a -> b -> a" with the includes that make
// each step, or "" when there is none.
std::string find_cycle(const Graph& graph) {
    std::map<std::string, int> state;  // 0 unseen, 1 on the path, 2 done
    std::vector<std::string> path;
    std::string found;
    std::function<bool(const std::string&)> visit = [&](const std::string& m) {
        state[m] = 1;
        path.push_back(m);
        if (auto edges = graph.find(m); edges != graph.end()) {
            for (const auto& [to, why] : edges->second) {
                if (state[to] == 1) {
                    auto start = std::find(path.begin(), path.end(), to);
                    std::vector<std::string> cycle(start, path.end());
                    cycle.push_back(to);
                    for (size_t i = 0; i + 1 < cycle.size(); ++i)
                        found += "'" + cycle[i] + "' -> '" + cycle[i + 1] + "' (" + graph.at(cycle[i]).at(cycle[i + 1]).front() + ")\n";
                    return true;
                }
                if (state[to] == 0 && visit(to)) return true;
            }
        }
        path.pop_back();
        state[m] = 2;
        return false;
    };
    for (const auto& [m, edges] : graph) {
        if (state[m] == 0 && visit(m)) break;
    }
    return found;
}

TEST(IncludeGraph, FindsTheLibrarysModules) {
    // Guards the test itself: a wrong source path would find nothing and pass.
    const Graph graph = module_graph();
    for (const char* m : {"format", "io", "split", "plan", "mtp", "imatrix", "quant", "quant/cpu", "quant/vulkan", "verify"})
        EXPECT_TRUE(graph.contains(m)) << "no includes read for module " << m << " under " << kLibrary;
}

TEST(IncludeGraph, ModulesIncludeEachOtherWithoutCycles) {
    const std::string cycle = find_cycle(module_graph());
    EXPECT_EQ(cycle, "") << "the library's modules include each other in a cycle:\n" << cycle;
}

TEST(IncludeGraph, RootHeadersDependOnNoModule) {
    const Graph graph = module_graph();
    if (auto root = graph.find(""); root != graph.end())
        for (const auto& [to, why] : root->second) ADD_FAILURE() << why.front();
}

TEST(IncludeGraph, PublicHeadersIncludeOnlyPublicHeaders) {
    for (const auto& inc : library_includes()) {
        if (inc.system || !inc.from.generic_string().starts_with("include/")) continue;
        EXPECT_TRUE(inc.to.generic_string().starts_with("include/")) << inc.from << " includes the private " << inc.to;
    }
}

TEST(IncludeGraph, VulkanApiStaysInItsBackEnd) {
    for (const auto& inc : library_includes()) {
        const bool in_back_end = module_of(inc.from) == "quant/vulkan";
        if (inc.system && inc.to.generic_string().starts_with("vulkan/")) {
            EXPECT_TRUE(in_back_end) << inc.from << " includes <" << inc.to.generic_string() << ">";
        }
    }
}

TEST(IncludeGraph, BuildNotMacrosChoosesTheBackEnds) {
    // CMake compiles the Vulkan back end or vulkan_unavailable.cpp; no
    // library file branches on whether Vulkan was built.
    static const std::regex vulkan_condition(R"(^\s*#\s*(if|ifdef|ifndef|elif)\b.*VULKAN)");
    for (const auto& entry : fs::recursive_directory_iterator(kLibrary)) {
        const auto ext = entry.path().extension();
        if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h")) continue;
        std::istringstream lines(read_text(entry.path()));
        for (std::string line; std::getline(lines, line);)
            EXPECT_FALSE(std::regex_search(line, vulkan_condition)) << fs::relative(entry.path(), kLibrary) << ": " << line;
    }
}

TEST(IncludeGraph, LibraryNeverPrintsOrExits) {
    // The CLI decides how to report an error; library code returns it. The
    // one exception reports a bug (GGUF_MTP_EXPECT), which has no caller to
    // return to.
    static const std::regex forbidden(R"(std::(cout|cerr|clog)\b|\b(printf|puts|perror|exit|_exit|abort)\s*\()");
    const fs::path bug_report = kLibrary / "src" / "programmer_error.cpp";
    for (const auto& entry : fs::recursive_directory_iterator(kLibrary)) {
        const auto ext = entry.path().extension();
        if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h") || entry.path() == bug_report) continue;
        std::istringstream lines(read_text(entry.path()));
        int number = 0;
        for (std::string line; std::getline(lines, line);) {
            ++number;
            if (line.find("//") != std::string::npos) line.erase(line.find("//"));
            EXPECT_FALSE(std::regex_search(line, forbidden)) << fs::relative(entry.path(), kLibrary) << ":" << number << ": " << line;
        }
    }
}

}  // namespace
