// The stored rows of one tensor of a GgufFile, read as floats: any run of
// rows, whatever the tensor's type makes a reader of some of its rows do.
// An interleaved type (ik_llama.cpp's _R4 ..., the Q4_0 repacks) stores rows
// in groups that only dequantize together (dequantize_group_rows), so a run
// that cuts a group is read with the whole group and only its rows kept; an
// I2_S run needs the tensor's trailer (its scale), which the reader reads
// once. Rows are read through GgufFile::read_tensor_data, so a file that
// shrinks is an error naming it and the offset.
//
// Thread safety: an open TensorRowReader is immutable; read() may run on
// many threads at once, each with its own RowReadBuffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "gguf/error.h"
#include "gguf/format/gguf_file.h"

namespace gguf {

// What reads keep from one to the next, so that reading many runs allocates
// once: the runs' stored bytes, and the floats of a group cut by a run.
struct RowReadBuffers {
    std::vector<uint8_t> stored;
    std::vector<float> group;
};

class TensorRowReader {
public:
    // Reads tensor `index`'s trailer (tensor_trailer_bytes; nothing for most
    // types). Errors: a row length its type's blocks do not fit, a failed read.
    // `file` must outlive the reader.
    static Result<TensorRowReader> open(const GgufFile& file, size_t index);

    uint64_t row_length() const { return row_length_; }
    uint64_t row_bytes() const { return row_bytes_; }
    // Rows the type stores interleaved; a run of whole groups reads no more than its own bytes.
    uint64_t group_rows() const { return group_rows_; }

    // Rows [first, first + out.size() / row_length()) as floats, into `out`
    // (whole rows). F32 rows are read straight into `out`; rows of a type
    // gguf-mtp cannot read as floats are dequantize_rows' error.
    Status read(uint64_t first, std::span<float> out, RowReadBuffers& buffers) const;

private:
    TensorRowReader(const GgufFile& file, size_t index) : file_(&file), index_(index) {}

    const GgufFile* file_;
    size_t index_;
    TensorType type_ = TensorType::F32;
    uint64_t row_length_ = 0, row_bytes_ = 0, group_rows_ = 1;
    std::vector<uint8_t> trailer_;
};

}  // namespace gguf
