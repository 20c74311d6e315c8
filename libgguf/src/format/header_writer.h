// Serialises a GGUF header (magic to the end of the tensor infos, then zero
// padding to the alignment) exactly as ggml's gguf writer and gguf-py do.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "gguf/error.h"
#include "gguf/format/metadata.h"
#include "gguf/format/tensor_info.h"

namespace gguf::detail {

inline uint64_t align_up(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

// Sets each tensor's offset: packed in order, each start aligned.
void assign_offsets(std::span<TensorInfo> tensors, uint64_t alignment);

// Takes the header's bytes in order, a piece at a time.
using HeaderSink = std::function<Status(std::span<const uint8_t> piece)>;

// Writes the header through `sink` without holding it whole: small fields
// gathered into pieces of about 64 KiB, a large value's bytes (a tokenizer
// array) passed on as they lie in the Value. Stops at the first error.
Status write_header(uint32_t version, const Metadata& metadata, std::span<const TensorInfo> tensors,
                    uint64_t alignment, const HeaderSink& sink);

// Bytes write_header would write, padding included.
uint64_t header_size(uint32_t version, const Metadata& metadata, std::span<const TensorInfo> tensors,
                     uint64_t alignment);

// The header whole, for small ones (tests, the fuzzer).
std::vector<uint8_t> serialize_header(uint32_t version, const Metadata& metadata,
                                      std::span<const TensorInfo> tensors, uint64_t alignment);

}  // namespace gguf::detail
