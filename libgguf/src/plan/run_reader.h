// Tensor bytes of inputs without a descriptor to copy from in the kernel (a
// .zst stream, a URL), read a run at a time: tensors that lie back to back
// in the input (only padding between) and follow each other in the plan
// come in one read of up to kRunBytes, so a URL costs one request per run
// of tensors, not one per tensor. The padding read between them is never
// written: the writer writes its own.
//
// Not thread-safe: one writer's loop owns it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gguf/error.h"
#include "gguf/plan/plan.h"

namespace gguf::detail {

inline constexpr uint64_t kRunBytes = 16ull << 20;

class RunReader {
public:
    // `order`: the copies of one output file in the order it writes them
    // (null where a tensor comes from elsewhere).
    explicit RunReader(std::vector<const CopySource*> order) : order_(std::move(order)) {}

    // `length` (at most kRunBytes) bytes of copy k's tensor from `offset`
    // within it; valid until the next call.
    Result<std::span<const uint8_t>> read(size_t k, uint64_t offset, uint64_t length);

private:
    std::vector<const CopySource*> order_;
    const GgufFile* file_ = nullptr;  // whose bytes bytes_ holds
    uint64_t start_ = 0;              // the file offset of bytes_[0]
    std::vector<uint8_t> bytes_;
};

}  // namespace gguf::detail
