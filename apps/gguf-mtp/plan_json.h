// The one JSON form of a plan (schema gguf-mtp-plan/1), which every command's
// --dry-run --json prints: extract, strip, merge, split and join alone,
// quantize inside its own report (its "plan" member).
#pragma once

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
nlohmann::json plan_json(const gguf::Plan& plan, const std::vector<gguf::ShardLayout>& layout);

}  // namespace gguf_mtp
