#include "copy_run.h"

#include <algorithm>
#include <array>
#include <variant>

#include "../format/header_writer.h"
#include "../programmer_error.h"

namespace gguf::detail {
namespace {

// Padding longer than this (an alignment far above GGUF's 32) ends a run
// rather than being read to check it.
constexpr uint64_t kMaxCheckedPadding = 4096;

bool zeros_in_input(const GgufFile& file, uint64_t offset, uint64_t length) {
    if (length == 0) return true;
    if (length > kMaxCheckedPadding) return false;
    std::array<uint8_t, kMaxCheckedPadding> bytes{};
    const auto padding = std::span(bytes).first(length);
    // A read that fails ends the run here; copying the next tensor on its
    // own then meets the same failure and reports it.
    if (!file.read_bytes(offset, padding)) return false;
    return std::all_of(padding.begin(), padding.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

CopyRun find_copy_run(const Plan& plan, const std::vector<size_t>& order, size_t first, uint64_t alignment) {
    const auto* copy = std::get_if<CopySource>(&plan.tensors[order[first]].source);
    GGUF_MTP_EXPECT(copy && copy->file->fd() >= 0, "a run starts at a copy from a file descriptor");
    const GgufFile& file = *copy->file;
    CopyRun run{first + 1, file.tensor_file_offset(copy->tensor_index), plan.tensors[order[first]].info.n_bytes};
    for (; run.end < order.size(); ++run.end) {
        const auto* next = std::get_if<CopySource>(&plan.tensors[order[run.end]].source);
        if (!next || next->file != &file) break;
        const uint64_t padded = align_up(run.bytes, alignment);
        if (file.tensor_file_offset(next->tensor_index) != run.in_offset + padded) break;
        if (!zeros_in_input(file, run.in_offset + run.bytes, padded - run.bytes)) break;
        run.bytes = padded + plan.tensors[order[run.end]].info.n_bytes;
    }
    return run;
}

}  // namespace gguf::detail
