#include "golden_case.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "test_support.h"

namespace gguf_test {
namespace {

using nlohmann::json;

// googletest takes the case name into the test's name, which allows only
// letters, digits and underscores.
bool is_test_name(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

// A misspelt key would otherwise be ignored, and the case would quietly test
// something else than it says.
void reject_unknown_keys(const json& j, std::initializer_list<const char*> known) {
    for (const auto& [key, value] : j.items()) {
        if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
            throw std::runtime_error("unknown key '" + key + "'");
        }
    }
}

GoldenFile file_from_json(const json& j) {
    reject_unknown_keys(j, {"name", "fixture", "first_bytes", "text"});
    GoldenFile file;
    file.name = j.at("name").get<std::string>();
    if (j.contains("fixture")) {
        file.fixture = j.at("fixture").get<std::string>();
        if (j.contains("first_bytes")) file.first_bytes = j.at("first_bytes").get<size_t>();
    } else {
        file.text = j.at("text").get<std::string>();
    }
    return file;
}

GoldenCase case_from_json(const json& j) {
    GoldenCase c;
    c.name = j.at("name").get<std::string>();
    if (!is_test_name(c.name)) throw std::runtime_error("case name '" + c.name + "' is not letters, digits and underscores");
    try {
        reject_unknown_keys(j, {"name", "files", "before", "args"});
        for (const auto& f : j.value("files", json::array())) c.files.push_back(file_from_json(f));
        c.before = j.value("before", std::vector<std::vector<std::string>>{});
        c.args = j.at("args").get<std::vector<std::string>>();
    } catch (const std::exception& e) {
        throw std::runtime_error("case '" + c.name + "': " + e.what());
    }
    return c;
}

}  // namespace

bool GoldenCase::uses_dir() const {
    auto names_dir = [](const std::vector<std::string>& a) {
        return std::any_of(a.begin(), a.end(), [](const std::string& s) { return s.find("{dir}") != std::string::npos; });
    };
    return !files.empty() || !before.empty() || names_dir(args);
}

std::vector<GoldenCase> load_golden_cases(const std::string& cases_json) {
    std::ifstream in(cases_json);
    if (!in) throw std::runtime_error("cannot read " + cases_json);
    std::vector<GoldenCase> cases;
    for (const auto& j : json::parse(in)) cases.push_back(case_from_json(j));
    return cases;
}

std::string expand_placeholders(const std::string& arg, const GoldenPlaces& places) {
    std::string out;
    for (size_t i = 0; i < arg.size();) {
        if (arg.compare(i, 5, "{dir}") == 0) {
            out += places.dir;
            i += 5;
        } else if (arg.compare(i, 10, "{fixtures}") == 0) {
            out += places.fixtures;
            i += 10;
        } else {
            out += arg[i++];
        }
    }
    return out;
}

void lay_out_files(const GoldenCase& golden_case, const GoldenPlaces& places) {
    for (const auto& f : golden_case.files) {
        const std::string path = places.dir + "/" + f.name;
        if (f.fixture.empty()) {
            std::ofstream(path, std::ios::binary) << f.text;
            continue;
        }
        auto bytes = read_file(places.fixtures + "/" + f.fixture);
        if (bytes.empty()) throw std::runtime_error("cannot read fixture " + f.fixture);
        if (f.first_bytes) bytes.resize(std::min(bytes.size(), *f.first_bytes));
        write_file(path, bytes);
    }
}

}  // namespace gguf_test
