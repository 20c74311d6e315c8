#include "gguf/quant/cpu/tensor_row_reader.h"

#include <algorithm>

#include "../../programmer_error.h"
#include "gguf/quant/cpu/quantize.h"

namespace gguf {

Result<TensorRowReader> TensorRowReader::open(const GgufFile& file, size_t index) {
    const TensorInfo& info = file.tensors()[index];
    TensorRowReader reader(file, index);
    reader.type_ = info.type;
    reader.row_length_ = info.ne[0];
    auto row = gguf::row_bytes(info.type, reader.row_length_);
    if (!row) return std::unexpected(row.error());
    reader.row_bytes_ = *row;
    reader.group_rows_ = dequantize_group_rows(info.type);
    auto trailer = file.read_tensor_trailer(index);
    if (!trailer) return std::unexpected(trailer.error());
    reader.trailer_ = std::move(*trailer);
    return reader;
}

Status TensorRowReader::read(uint64_t first, std::span<float> out, RowReadBuffers& buffers) const {
    if (out.empty()) return {};
    GGUF_MTP_EXPECT(row_length_ > 0 && out.size() % row_length_ == 0, "whole rows to read into");
    const uint64_t last = first + out.size() / row_length_;
    if (type_ == TensorType::F32) {  // the floats as they are stored
        return file_->read_tensor_data(index_, first * row_bytes_, std::span(reinterpret_cast<uint8_t*>(out.data()), out.size_bytes()));
    }
    const uint64_t g = group_rows_;
    const uint64_t begin = first / g * g, end = (last + g - 1) / g * g;
    buffers.stored.resize((end - begin) * row_bytes_);
    if (auto ok = file_->read_tensor_data(index_, begin * row_bytes_, buffers.stored); !ok) return ok;
    const std::span<const uint8_t> stored(buffers.stored);
    auto stored_rows = [&](uint64_t from, uint64_t to) { return stored.subspan((from - begin) * row_bytes_, (to - from) * row_bytes_); };
    // Whole groups [from, to) of the run decode straight into `out`.
    auto whole = [&](uint64_t from, uint64_t to) {
        return dequantize_rows(type_, stored_rows(from, to), row_length_, out.subspan((from - first) * row_length_, (to - from) * row_length_),
                               trailer_);
    };
    // The group starting at `group` decodes aside, and the run keeps its rows of it.
    auto cut = [&](uint64_t group) -> Status {
        buffers.group.resize(g * row_length_);
        if (auto ok = dequantize_rows(type_, stored_rows(group, group + g), row_length_, buffers.group, trailer_); !ok) return ok;
        const uint64_t from = std::max(group, first), to = std::min(group + g, last);
        std::copy_n(buffers.group.begin() + (from - group) * row_length_, (to - from) * row_length_,
                    out.begin() + (from - first) * row_length_);
        return {};
    };
    uint64_t row = first;
    if (row % g != 0) {
        if (auto ok = cut(begin); !ok) return ok;
        row = std::min(begin + g, last);
    }
    const uint64_t whole_end = std::max(row, last / g * g);
    if (row < whole_end) {
        if (auto ok = whole(row, whole_end); !ok) return ok;
        row = whole_end;
    }
    if (row < last) return cut(row);
    return {};
}

}  // namespace gguf
