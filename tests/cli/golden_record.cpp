#include "golden_record.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "golden_scrub.h"

namespace gguf_test {
namespace {

// Shell quoting only where a shell would need it, so that the usual command
// line reads as typed and can be pasted.
std::string shown_arg(const std::string& arg) {
    const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](unsigned char c) {
        return std::isalnum(c) || std::string_view("_-./{}:=,+@%").find(char(c)) != std::string_view::npos;
    });
    return plain ? arg : shell_quote(arg);
}

// A stream's text as a section of lines; a missing final newline is said, as
// diff says it, since a user's terminal shows the difference.
std::string section(const std::string& heading, const std::string& text) {
    std::string out = "--- " + heading + "\n" + text;
    if (!text.empty() && text.back() != '\n') out += "\n\\ no newline at end\n";
    return out;
}

}  // namespace

std::string golden_record(const GoldenCase& golden_case, const CliRun& run, const std::vector<std::string>& dir_listing,
                          const GoldenPlaces& places) {
    std::string record = "$ gguf-mtp";
    for (const auto& arg : golden_case.args) record += " " + shown_arg(arg);
    record += "\nexit status " + std::to_string(run.exit_code) + "\n";
    record += section("stdout", scrub(run.out, places));
    record += section("stderr", scrub(run.err, places));
    if (golden_case.uses_dir()) {
        std::string names;
        for (const auto& name : dir_listing) names += name + "\n";
        record += section("files in {dir}", names);
    }
    return record;
}

}  // namespace gguf_test
