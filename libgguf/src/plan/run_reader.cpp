#include "run_reader.h"

#include <algorithm>

#include "../programmer_error.h"

namespace gguf::detail {

Result<std::span<const uint8_t>> RunReader::read(size_t k, uint64_t offset, uint64_t length) {
    GGUF_MTP_EXPECT(k < order_.size() && order_[k] && length <= kRunBytes, "a copy of this file, at most kRunBytes long");
    const CopySource& copy = *order_[k];
    const GgufFile& file = *copy.file;
    const uint64_t at = file.tensor_file_offset(copy.tensor_index) + offset;
    if (file_ != &file || at < start_ || at + length > start_ + bytes_.size()) {
        // A new run from `at`: the rest of this tensor, then whole tensors
        // the plan copies next that start within the input's alignment of
        // where the run ends, while the run stays within kRunBytes.
        const uint64_t tensor_end = file.tensor_file_offset(copy.tensor_index) + file.tensors()[copy.tensor_index].n_bytes;
        uint64_t end = std::max(at + length, std::min(tensor_end, at + kRunBytes));
        const bool whole_tensors = end == tensor_end;  // only then may the next tensor follow
        for (size_t next = k + 1; whole_tensors && next < order_.size(); ++next) {
            const CopySource* c = order_[next];
            if (!c || c->file != &file) break;
            const uint64_t begin = file.tensor_file_offset(c->tensor_index);
            const uint64_t finish = begin + file.tensors()[c->tensor_index].n_bytes;
            if (begin < end || begin - end >= file.alignment() || finish - at > kRunBytes) break;
            end = finish;
        }
        bytes_.resize(end - at);
        file_ = nullptr;  // holds nothing until the read succeeds
        if (auto ok = file.read_bytes(at, bytes_); !ok) return std::unexpected(ok.error());
        file_ = &file;
        start_ = at;
    }
    return std::span<const uint8_t>(bytes_).subspan(at - start_, length);
}

}  // namespace gguf::detail
