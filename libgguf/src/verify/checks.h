// The checks verify_model runs, one area per file; each adds findings to a
// report and never stops at the first.
#pragma once

#include <span>
#include <string>

#include "gguf/compat/llama_release.h"
#include "gguf/split/model.h"
#include "gguf/verify/verify.h"

namespace gguf::detail {

Finding make_finding(Check check, Severity severity, Error error, std::string tensor = {});

// Adds a finding about the whole of `model` (no offset), on `tensor` if named.
void add_model_finding(VerifyReport& report, Check check, const Model& model, Severity severity, ErrorCode code,
                       std::string message, std::string tensor = {});

// For a set that Model::open refuses: opens each file on its own and lists
// every problem of every file (all data extent problems, each missing shard,
// each inconsistent split key) instead of the first, reading type ids in
// `dialect` when the user gave one.
void diagnose_unopenable(const std::string& path, std::optional<Dialect> dialect, VerifyReport& report);

// One release's verdict on something a file holds: whether the release takes
// it (loads it, or runs it) and, when not, what it expects instead.
struct ReleaseVerdict {
    LlamaRelease release;
    bool ok;
    std::string expected;
};

// Reports the releases' verdicts on one thing `found` in `model`: an error
// when the release verified for does not take it, else a warning for each
// release that does not ("<verb> in llama.cpp v0.5.0, not in v0.4.0: ...").
// Nothing when every release takes it.
void report_release_verdicts(VerifyReport& report, const Model& model, Check check, LlamaRelease release,
                             std::span<const ReleaseVerdict> verdicts, std::string_view verb, const std::string& found,
                             const std::string& tensor = {});

// Data bytes that no tensor uses: gaps wider than the alignment padding and
// bytes after the last tensor's padded end.
void check_unused_bytes(const Model& model, VerifyReport& report);

// Per-layer arrays (as `release` reads them; where releases differ, findings
// say which load the file) and blk.N tensors against <arch>.block_count.
void check_block_count(const Model& model, LlamaRelease release, VerifyReport& report);

// Block tensors that some release does not read (the release table's
// tensor rules): which releases load and run the file.
void check_release_tensors(const Model& model, LlamaRelease release, VerifyReport& report);

// NextN keys against the tensors present.
void check_mtp(const Model& model, VerifyReport& report);

// Every tensor's data, as ggml_validate_row_data checks rows.
void scan_tensor_data(const Model& model, const VerifyOptions& options, VerifyReport& report);

}  // namespace gguf::detail
