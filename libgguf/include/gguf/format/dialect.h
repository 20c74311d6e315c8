// Deciding which dialect of GGUF a file speaks, mainline llama.cpp's or
// ik_llama.cpp's, from the tensor type ids and general.file_type it stores.
//
// Most ids mean the same in both, so most files are readable either way and
// count as mainline. An id only one project assigned decides it; ids of both
// kinds in one file mean no runtime loads it, which is an error naming a
// tensor of each kind. One id means a type of another size in each (Q8_K:
// 292 bytes a block in mainline, 296 in ik); when nothing else decides, the
// dialect whose sizes fit the tensors' data offsets is chosen.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
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

// Whether the tensors, sized as `dialect` reads their ids, lie exactly where
// their data offsets say: each ends before the next begins (or the data
// section ends) with less than one alignment of padding after it.
using LayoutFits = std::function<bool(Dialect dialect)>;

// The dialect of a file with these tensors and general.file_type value
// (nullopt when absent). `forced` (the user's --dialect) wins over
// general.file_type and over the layout, but not over an id only the other
// dialect assigns: that is an error naming the tensor and its id. When the
// ids and file_type leave it open and some id has another size in each
// dialect, `fits` (when given) decides: the only dialect that fits is
// chosen, mainline when both or neither do.
Result<Dialect> detect_dialect(std::span<const StoredType> types, std::optional<uint64_t> file_type,
                               std::optional<Dialect> forced, const std::string& file, const LayoutFits& fits = {});

// Whether `file_id` names types of different sizes in the two dialects, so
// that reading a file in the wrong one misplaces its tensors' data.
bool size_depends_on_dialect(uint32_t file_id);

// For an error about the data extents of tensors whose dialect was guessed,
// not given: when one of them has another size in the other dialect, a
// clause saying that file may be the other's (to append to the message);
// empty otherwise.
std::string other_dialect_hint(std::span<const TensorInfo> tensors, Dialect read_as);

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
