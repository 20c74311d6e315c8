// Tensors an output copies back to back from one input, found so that they
// move in one copy: the kernel then streams a run of hundreds of MiB in a
// few large copy_file_range calls, not one call per tensor, and its
// readahead sees one sequential reader.
//
// A run is tensors that follow each other in the output, come from the
// same input file, and lie there exactly as the output lays them out: each
// one starts where the previous one ends after the padding this output
// writes, and that padding holds zeros in the input, so the input's bytes
// from the run's first tensor to the end of its last one are the output's.
//
// Thread safety: a pure function of its arguments (reads the inputs'
// padding bytes through GgufFile::read_bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gguf/plan/plan.h"

namespace gguf::detail {

struct CopyRun {
    size_t end = 0;          // one past the run's last position in the output's order
    uint64_t in_offset = 0;  // where the run starts in its input file
    uint64_t bytes = 0;      // from the first tensor's start to the last one's end
};

// The run that starts at `order[first]`, a copy from an input with a file
// descriptor; `alignment` is the output's.
CopyRun find_copy_run(const Plan& plan, const std::vector<size_t>& order, size_t first, uint64_t alignment);

}  // namespace gguf::detail
