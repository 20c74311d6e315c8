// One entry of a GGUF tensor-info section.
//
// Thread safety: a plain value.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "gguf/format/tensor_type.h"

namespace gguf {

inline constexpr uint32_t kMaxDims = 4;
inline constexpr size_t kMaxTensorNameBytes = 63;  // GGML_MAX_NAME - 1

struct TensorInfo {
    std::string name;
    TensorType type = TensorType::F32;
    uint32_t n_dims = 1;
    std::array<uint64_t, kMaxDims> ne = {1, 1, 1, 1};  // innermost first; unused dims are 1
    uint64_t offset = 0;   // from the start of the data section
    uint64_t n_bytes = 0;  // data bytes, without padding

    uint64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    // Dimensions without trailing 1s (at least 1), as ggml_n_dims counts
    // them and as llama.cpp's tools write tensor infos.
    uint32_t significant_dims() const;
    // "4096 x 151936" style, innermost first as ggml prints shapes.
    std::string shape_text() const;
};

// Bytes a tensor of `type` keeps after its rows, which its rows need to be
// read as floats: ik_llama.cpp's I2_S keeps its one f32 scale there, padded
// to 32 bytes (ik's ggml_nbytes: elements / 4 + 32). 0 for every other type.
uint64_t tensor_trailer_bytes(TensorType type);

// Data bytes of a tensor of this type and shape (checked for overflow and
// whole blocks). Used by the parser and by plan builders.
Result<uint64_t> tensor_bytes(TensorType type, const std::array<uint64_t, kMaxDims>& ne);

}  // namespace gguf
