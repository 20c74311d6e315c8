// ggml tensor types as they appear in GGUF tensor infos.
//
// One table holds every id ggml has assigned (ggml.h of the reference
// llama.cpp release): its name, how many elements a block holds and how many
// bytes a block takes. All size arithmetic goes through it. Ids that ggml
// retired (Q4_2, Q4_3, the repacked Q4_0_x_y / IQ4_NL_x_y) are known but have
// no size: a file that uses them is refused as unsupported, one that uses an
// id beyond the table as bad format.
//
// Thread safety: a constant table; any thread may read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "gguf/error.h"

namespace gguf {

enum class TensorType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
    Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20,
    IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28,
    IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35,
    MXFP4 = 39, NVFP4 = 40, Q1_0 = 41, Q2_0 = 42,
};

struct TypeTraits {
    std::string_view name;   // ggml_type_name spelling, e.g. "q4_K"
    uint32_t block_size;     // elements per block; 0 for retired ids
    uint32_t block_bytes;    // bytes per block; 0 for retired ids
    bool quantized;
};

// Number of ids ggml knows (GGML_TYPE_COUNT of the reference release).
inline constexpr uint32_t kTensorTypeCount = 43;

// Traits of a type id, or nullopt when the id is beyond the table.
std::optional<TypeTraits> type_traits(uint32_t id);

// True when the id names a type that can appear in a GGUF written today.
bool type_is_usable(uint32_t id);

// Case-insensitive lookup by name ("Q4_K", "q4_k", "bf16").
std::optional<TensorType> type_from_name(std::string_view name);

// Display name of a usable type (upper case, as llama.cpp users write it).
std::string_view type_display_name(TensorType type);

// Bytes of one row of `row_elements` elements; error when the row is not a
// whole number of blocks or the type is not usable.
Result<uint64_t> row_bytes(TensorType type, uint64_t row_elements);

}  // namespace gguf
