// Deciding which dialect of GGUF a file speaks, mainline llama.cpp's or
// ik_llama.cpp's, from the tensor type ids and general.file_type it stores.
//
// Most ids mean the same in both, so most files are readable either way and
// count as mainline. An id only one project assigned decides it; ids of both
// kinds in one file mean no runtime loads it, which is an error naming a
// tensor of each kind.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gguf/error.h"
#include "gguf/format/tensor_info.h"
#include "gguf/format/tensor_type.h"

namespace gguf {

// One tensor's stored type id, as the header has it.
struct StoredType {
    std::string_view tensor;
    uint32_t file_id;
};

// The dialect of a file with these tensors and general.file_type value
// (nullopt when absent). `forced` (the user's --dialect) wins over the
// evidence; the ids are then read in that dialect, and an id it does not
// know is the parser's error.
Result<Dialect> detect_dialect(std::span<const StoredType> types, std::optional<uint64_t> file_type,
                               std::optional<Dialect> forced, const std::string& file);

// The dialect only one of whose runtimes reads `type`, or nullopt when both do.
std::optional<Dialect> sole_dialect(TensorType type);

// The runtimes that load a file holding `tensors`: both, or the one whose
// own types it uses. Tensors of both kinds are an error naming one of each,
// as detect_dialect's is: writers check their outputs with it, so that no
// command writes a file no runtime loads.
Result<TypeRuntimes> file_runtimes(std::span<const TensorInfo> tensors, const std::string& file);

// "llama.cpp and ik_llama.cpp", "llama.cpp" or "ik_llama.cpp".
std::string_view runtimes_name(TypeRuntimes runtimes);

}  // namespace gguf
