// Bytes of the data section that no tensor uses. llama.cpp never reads them,
// so they are warnings: a sign of a careless writer or of a tensor info that
// lost its entry, not a file that fails to load.
#include <algorithm>
#include <numeric>

#include "checks.h"

namespace gguf::detail {
namespace {

uint64_t align_up(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

void add_warning(VerifyReport& report, const GgufFile& file, uint64_t offset, std::string message, std::string tensor = {}) {
    report.findings.push_back(make_finding(Check::data_extents, Severity::warning,
                                           Error{ErrorCode::bad_format, file.path(), offset, std::move(message)},
                                           std::move(tensor)));
}

void check_file(const GgufFile& file, VerifyReport& report) {
    const auto& tensors = file.tensors();
    std::vector<size_t> order(tensors.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
    uint64_t used_end = 0;  // within the data section, padding included
    for (size_t idx : order) {
        const TensorInfo& t = tensors[idx];
        if (t.offset > used_end) {
            add_warning(report, file, file.data_offset() + used_end,
                        std::to_string(t.offset - used_end) + " unused bytes before tensor '" + t.name +
                            "' (expected its data right after the previous tensor's, padded to " +
                            std::to_string(file.alignment()) + ")",
                        t.name);
        }
        used_end = std::max(used_end, align_up(t.offset + t.n_bytes, file.alignment()));
    }
    // Absolute, so that a file without tensors may end with the header's padding.
    const uint64_t end = align_up(file.data_offset() + used_end, file.alignment());
    if (file.file_size() > end) {
        add_warning(report, file, end,
                    std::to_string(file.file_size() - end) + " bytes after the last tensor's data (expected the file to end at " +
                        std::to_string(end) + ")");
    }
}

}  // namespace

void check_unused_bytes(const Model& model, VerifyReport& report) {
    for (uint32_t s = 0; s < model.shard_count(); ++s) check_file(model.shard(s), report);
}

}  // namespace gguf::detail
