// The one executor that writes any Plan.
//
// Streaming with bounded memory: copied tensors move in the kernel
// (copy_file_range) or through a small buffer, filled tensors are produced
// one at a time. Output goes to temporary files that are fsync'd and renamed
// only when every shard is complete; on any error nothing is left under the
// final names and no temporary remains. The writer refuses to write over any
// of its inputs, whatever the name (same path, symlink or hard link).
//
// Thread safety: one write_plan call per output; calls for different
// outputs may run at once (their temporary names never clash).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gguf/error.h"
#include "gguf/format/gguf_file.h"
#include "gguf/plan/plan.h"

namespace gguf {

struct SplitLimits {
    uint64_t max_bytes = 0;          // tensor bytes per shard (padded), 0: no limit
    uint32_t max_tensors = 0;        // tensors per shard, 0: no limit
    bool no_tensor_first_split = false;  // shard 1 holds metadata only

    bool enabled() const { return max_bytes > 0 || max_tensors > 0 || no_tensor_first_split; }
};

struct Progress {
    uint64_t bytes_done = 0;
    uint64_t bytes_total = 0;
    size_t tensors_done = 0;
    size_t tensors_total = 0;
};

// A small file that belongs with the output (quantize's provenance record),
// made once every shard is written and committed with them: renamed after
// the last shard, and when it cannot be written no output appears.
struct Companion {
    std::string suffix;  // written as FIRST_FILE + suffix
    // Its bytes, asked for after the shards are written; nullopt: none.
    std::function<std::optional<std::string>()> contents;
};

struct WriteOptions {
    // The output file; with split limits, shards are named
    // PREFIX-0000N-of-0000M.gguf where PREFIX is this path without ".gguf".
    std::string output;
    SplitLimits split;
    // The shard of each planned tensor, given rather than computed (quantize
    // --keep-split mirrors its input's shards); the limits are then ignored.
    std::vector<uint32_t> fixed_shards;
    bool overwrite = false;             // replace existing outputs (never inputs)
    std::vector<FileIdentity> inputs;   // files that must not be written
    // Called from the writing thread or, while a transformer runs, from the
    // thread its sink is called on: never from two threads at once.
    std::function<void(const Progress&)> on_progress;
    // Runs the plan's TransformSources (a quantize plan's: gguf::Quantizer);
    // a plan with one is refused, before anything is written, without it.
    TensorTransformer* transformer = nullptr;
    Companion companion;
};

struct ShardLayout {
    std::string path;
    std::vector<size_t> tensors;  // indices into Plan::tensors
    uint64_t file_bytes = 0;      // exact size of the file to be written
};

// Which tensors go to which file, and each file's exact size, without
// writing anything (what --dry-run prints).
Result<std::vector<ShardLayout>> layout_plan(const Plan& plan, const WriteOptions& options);

struct WriteReport {
    std::vector<ShardLayout> files;
    uint64_t bytes_written = 0;
    size_t tensors_written = 0;
};

Result<WriteReport> write_plan(const Plan& plan, const WriteOptions& options);

// Whether `path` may be written under `options`: refused when it is one of
// the inputs (whatever the name) or exists without options.overwrite.
Status check_output_path(const std::string& path, const WriteOptions& options);

}  // namespace gguf
