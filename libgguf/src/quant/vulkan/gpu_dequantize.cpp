// GpuQuantizer's whole-row dequantize: the blocks go through the chunk
// stream as encoded input and come back through the F32 target, so they
// take the path requantizing takes (see vulkan_backend.cpp).
#include <cstring>

#include "dequantize_table.h"
#include "gpu_quantizer.h"

namespace gguf::quant::vk {

bool GpuQuantizer::dequantizes(TensorType source) { return find_dequantizer(source) != nullptr; }

Status GpuQuantizer::dequantize(TensorType source, std::span<const uint8_t> src, uint64_t row_length, std::span<float> dst) {
    const std::string name(type_display_name(source));
    if (!dequantizes(source)) return fail(ErrorCode::unsupported, "", "no Vulkan shader dequantizes " + name);
    auto in_row = row_bytes(source, row_length);
    if (!in_row) return std::unexpected(in_row.error());
    if (row_length == 0 || dst.size() % row_length != 0 || src.size() != dst.size() / row_length * *in_row) {
        return fail(ErrorCode::invalid_argument, "", "sizes do not agree: " + std::to_string(src.size()) + " bytes of " + name + " into " +
                                                         std::to_string(dst.size()) + " floats");
    }
    const uint64_t rows = dst.size() / row_length;
    if (rows == 0) return {};
    const uint64_t chunk_rows = std::min(rows, max_chunk_rows(TensorType::F32, row_length));
    if (chunk_rows == 0) return fail(ErrorCode::invalid_argument, "", "a row does not fit the Vulkan device");
    const uint64_t chunks = (rows + chunk_rows - 1) / chunk_rows;
    return stream(
        TensorType::F32, row_length, chunk_rows, chunks,
        [&](uint64_t k, std::span<float> values, std::span<uint8_t>) -> Result<ChunkShape> {
            const uint64_t n = std::min(chunk_rows, rows - k * chunk_rows);
            std::memcpy(values.data(), src.data() + k * chunk_rows * *in_row, n * *in_row);
            return ChunkShape{n, {}, false, source};
        },
        [&](uint64_t k, std::span<const uint8_t> bytes) -> Status {
            std::memcpy(dst.data() + k * chunk_rows * row_length, bytes.data(), bytes.size());
            return {};
        },
        // Non-finite floats are the CPU's too: nothing to redo.
        [](uint64_t, std::span<uint8_t>) -> Status { return {}; });
}

}  // namespace gguf::quant::vk
