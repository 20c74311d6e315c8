#include "gguf/format/tensor_info.h"

namespace gguf {

std::string TensorInfo::shape_text() const {
    std::string out;
    for (uint32_t d = 0; d < n_dims; ++d) out += (d ? " x " : "") + std::to_string(ne[d]);
    return out.empty() ? "scalar" : out;
}

uint32_t TensorInfo::significant_dims() const {
    uint32_t dims = kMaxDims;
    while (dims > 1 && ne[dims - 1] == 1) --dims;
    return dims;
}

Result<uint64_t> tensor_bytes(TensorType type, const std::array<uint64_t, kMaxDims>& ne) {
    auto row = row_bytes(type, ne[0]);
    if (!row) return std::unexpected(row.error());
    uint64_t total = *row;
    for (uint32_t d = 1; d < kMaxDims; ++d) {
        if (ne[d] != 0 && total > UINT64_MAX / 2 / ne[d]) {
            return fail(ErrorCode::bad_format, "", "tensor size overflows 63 bits");
        }
        total *= ne[d];
    }
    return total + tensor_trailer_bytes(type);
}

uint64_t tensor_trailer_bytes(TensorType type) { return type == TensorType::I2_S ? 32 : 0; }

}  // namespace gguf
