// One golden case of the gguf-mtp command, as tests/cli/golden/cases.json
// describes it: the files to lay out in a fresh directory, the gguf-mtp runs
// that must succeed first, and the run whose output is pinned.
//
// Arguments may name two places, written as placeholders so that the case
// reads the same on every machine: {dir}, the case's own temporary
// directory, and {fixtures}, the fixture models the build generates.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace gguf_test {

// A file created as {dir}/NAME before the runs: a copy of the generated
// fixture FIXTURE (of its first_bytes only, for a truncated model) or,
// without a fixture, the given text.
struct GoldenFile {
    std::string name;
    std::string fixture;
    std::optional<size_t> first_bytes;
    std::string text;
};

struct GoldenCase {
    std::string name;
    std::vector<GoldenFile> files;
    std::vector<std::vector<std::string>> before;  // gguf-mtp arguments of each run before
    std::vector<std::string> args;                 // gguf-mtp arguments of the pinned run

    // Whether the case reads or writes {dir}: then what {dir} holds after
    // the run is part of what is pinned.
    bool uses_dir() const;
};

struct GoldenPlaces {
    std::string dir;
    std::string fixtures;
};

// The cases of a cases.json; throws std::runtime_error naming what is wrong.
std::vector<GoldenCase> load_golden_cases(const std::string& cases_json);

// `arg` with {dir} and {fixtures} replaced by the places they stand for.
std::string expand_placeholders(const std::string& arg, const GoldenPlaces& places);

// Creates the case's files in places.dir; throws std::runtime_error when a
// fixture cannot be read.
void lay_out_files(const GoldenCase& golden_case, const GoldenPlaces& places);

// Names the case in test output instead of dumping its fields.
inline void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

}  // namespace gguf_test
