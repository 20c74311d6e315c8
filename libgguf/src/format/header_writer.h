// Serialises a GGUF header (magic to the end of the tensor infos, then zero
// padding to the alignment) exactly as ggml's gguf writer and gguf-py do.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gguf/format/metadata.h"
#include "gguf/format/tensor_info.h"

namespace gguf::detail {

inline uint64_t align_up(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

// Sets each tensor's offset: packed in order, each start aligned.
void assign_offsets(std::span<TensorInfo> tensors, uint64_t alignment);

std::vector<uint8_t> serialize_header(uint32_t version, const Metadata& metadata,
                                      std::span<const TensorInfo> tensors, uint64_t alignment);

}  // namespace gguf::detail
