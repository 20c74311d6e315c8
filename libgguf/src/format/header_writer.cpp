#include "header_writer.h"

#include "gguf/format/gguf_file.h"
#include "little_endian.h"

namespace gguf::detail {

void assign_offsets(std::span<TensorInfo> tensors, uint64_t alignment) {
    uint64_t offset = 0;
    for (auto& t : tensors) {
        t.offset = offset;
        offset += align_up(t.n_bytes, alignment);
    }
}

std::vector<uint8_t> serialize_header(uint32_t version, const Metadata& metadata,
                                      std::span<const TensorInfo> tensors, uint64_t alignment) {
    std::vector<uint8_t> out;
    append_le<uint32_t>(out, kGgufMagic);
    append_le<uint32_t>(out, version);
    append_le<uint64_t>(out, tensors.size());
    append_le<uint64_t>(out, metadata.size());
    for (const auto& kv : metadata.entries()) {
        append_gguf_string(out, kv.key);
        append_le<uint32_t>(out, static_cast<uint32_t>(kv.value.type()));
        append_bytes(out, kv.value.encoded());
    }
    for (const auto& t : tensors) {
        append_gguf_string(out, t.name);
        append_le<uint32_t>(out, t.n_dims);
        for (uint32_t d = 0; d < t.n_dims; ++d) append_le<int64_t>(out, static_cast<int64_t>(t.ne[d]));
        append_le<uint32_t>(out, static_cast<uint32_t>(t.type));
        append_le<uint64_t>(out, t.offset);
    }
    out.resize(align_up(out.size(), alignment), 0);
    return out;
}

}  // namespace gguf::detail
