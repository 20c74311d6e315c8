// How verify words a difference between llama.cpp releases: the release
// verified for decides error or warning, and every finding names the
// releases on each side, so a user sees which llama.cpp to run.
#include <algorithm>

#include "checks.h"

namespace gguf::detail {
namespace {

// "v0.4.0, v0.5.0": the releases whose verdict is `ok`.
std::string releases_where(std::span<const ReleaseVerdict> verdicts, bool ok) {
    std::string names;
    for (const auto& v : verdicts) {
        if (v.ok != ok) continue;
        if (!names.empty()) names += ", ";
        names += rules_of(v.release).name;
    }
    return names;
}

}  // namespace

void report_release_verdicts(VerifyReport& report, const Model& model, Check check, LlamaRelease release,
                             std::span<const ReleaseVerdict> verdicts, std::string_view verb, const std::string& found,
                             const std::string& tensor) {
    const auto chosen = std::find_if(verdicts.begin(), verdicts.end(), [&](const auto& v) { return v.release == release; });
    const std::string ok_in = releases_where(verdicts, true), fails_in = releases_where(verdicts, false);
    if (fails_in.empty() || chosen == verdicts.end()) return;
    const std::string prefix = std::string(verb) + " in llama.cpp " + ok_in;
    if (!chosen->ok) {
        add_model_finding(report, check, model, Severity::error, ErrorCode::mismatch,
                          found + ", expected " + chosen->expected + (ok_in.empty() ? "" : "; " + prefix + ", not in " + fails_in),
                          tensor);
        return;
    }
    for (const auto& v : verdicts) {
        if (v.ok) continue;
        const std::string other(rules_of(v.release).name);
        add_model_finding(report, check, model, Severity::warning, ErrorCode::mismatch,
                          prefix + ", not in " + other + ": " + found + ", " + other + " expects " + v.expected, tensor);
    }
}

}  // namespace gguf::detail
