// The one JSON form of a plan (schema gguf-mtp-plan/1), which every command's
// --dry-run --json prints: extract, strip, merge, split and join alone,
// quantize inside its own report (its "plan" member).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/plan/plan.h"
#include "gguf/plan/writer.h"

namespace gguf_mtp {

// Every output file with its bytes and tensors; per tensor its name, type,
// bytes and source: "copy" or "transform" of an input tensor ("input": file
// and tensor; a transform adds "from", the input's type, and
// "importance_matrices", how many matrices have importance weights), or
// "fill" / "stream", bytes a function produces.
// When some inputs are URLs, "fetch" lists them: each with the tensor bytes
// the plan reads from it (its header is read already).
nlohmann::json plan_json(const gguf::Plan& plan, const std::vector<gguf::ShardLayout>& layout);

// The remote inputs (URLs) a plan reads tensor data from, each with the
// bytes it reads there, in the order the plan first reads them.
struct RemoteRead {
    std::string name;
    uint64_t bytes = 0;
    const gguf::GgufFile* file = nullptr;  // the input it reads, for what it has fetched so far
};
std::vector<RemoteRead> remote_reads(const gguf::Plan& plan);

}  // namespace gguf_mtp
