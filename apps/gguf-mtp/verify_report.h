// How `gguf-mtp verify` renders a VerifyReport: one line per finding, or the
// gguf-mtp-verify/1 JSON document (see gguf-mtp-verify(1)).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/verify/verify.h"

namespace gguf_mtp {

// What was asked to be verified, echoed in the JSON document, and whether
// the manifest could be read, which the summary line says.
struct VerifyTargets {
    std::vector<std::string> models;
    std::optional<std::pair<std::string, std::string>> pair;  // trunk, head
    std::optional<std::string> manifest;
    bool scan_data = false;
    bool manifest_unread = false;  // it did not parse, so none of its outputs was hashed
};

// "error: FILE: offset N: MESSAGE [check]".
std::string finding_line(const gguf::Finding& finding);

// "PATH: for llama.cpp and ik_llama.cpp": the runtimes that load a model.
std::string runtimes_line(const gguf::ModelRuntimes& model);

// "verify: 3 files, 120 tensors, 5.00 MiB scanned: OK" style.
std::string summary_line(const gguf::VerifyReport& report, const VerifyTargets& targets);

nlohmann::json verify_json(const gguf::VerifyReport& report, const VerifyTargets& targets);

}  // namespace gguf_mtp
