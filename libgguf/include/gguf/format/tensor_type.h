// ggml tensor types as they appear in GGUF tensor infos, in both dialects of
// GGUF: mainline llama.cpp's and ik_llama.cpp's.
//
// One table holds every id either ggml has assigned (ggml.h of the reference
// llama.cpp release and of ik_llama.cpp): its name, how many elements a block
// holds, how many bytes a block takes, the bytes of metadata each row carries
// before its blocks (ik's per-row scales) and how many rows ik interleaves.
// All size arithmetic goes through it. Ids that mainline retired (Q4_2, Q4_3,
// the repacked Q4_0_x_y / IQ4_NL_x_y) are known but have no mainline size.
//
// The two projects agree on most ids; where ik gives an id another meaning
// (31-33, 36) or another size (Q8_K), its meaning gets an internal TensorType
// value above every file id, so that a TensorType alone says what the bytes
// are. Files store file_id(type); a parser maps ids back with the file's
// dialect (format/dialect.h decides it).
//
// Thread safety: a constant table; any thread may read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

    // ik_llama.cpp's own ids, which mainline never assigned.
    Q8_0_X4 = 97, Q8_1_X4 = 98, Q8_2_X4 = 99,
    Q6_0 = 133, IQ1_BN = 134, IQ2_BN = 135, Q8_K64 = 136,
    IQ2_K = 137, IQ3_K = 138, IQ4_K = 139, IQ5_K = 140, IQ6_K = 141,
    IQ4_KS = 144, IQ2_KS = 145, IQ4_KSS = 146,
    Q8_K16 = 147, Q8_K32 = 148, Q8_KR8 = 149, Q8_K128 = 150, Q8_KV = 151,
    IQ5_KS = 152, IQ2_KT = 153, IQ3_KT = 154, IQ4_KT = 155, IQ3_KS = 156, IQ2_KL = 157, IQ1_KT = 158,
    Q4_0_R8 = 202, Q5_0_R4 = 206, Q8_0_R8 = 208,
    Q2_K_R4 = 210, Q3_K_R4 = 211, Q4_K_R4 = 212, Q5_K_R4 = 213, Q6_K_R4 = 214,
    IQ2_XXS_R4 = 216, IQ2_XS_R4 = 217, IQ3_XXS_R4 = 218, IQ1_S_R4 = 219, IQ4_NL_R4 = 220,
    IQ3_S_R4 = 221, IQ2_S_R4 = 222, IQ4_XS_R8 = 223, IQ1_M_R4 = 229, BF16_R16 = 230, Q6_0_R4 = 233,
    IQ2_BN_R4 = 335, IQ2_K_R4 = 337, IQ3_K_R4 = 338, IQ4_K_R4 = 339, IQ5_K_R4 = 340,
    IQ4_KS_R4 = 344, IQ5_KS_R4 = 352, MXFP4_R8 = 353,
    Q8_K_R16 = 397, Q8_KV_R8 = 398, Q8_K_R8 = 399,

    // ik_llama.cpp's meanings of ids mainline uses otherwise (internal values).
    IK_Q8_K = 0x10000 + 15,
    IK_Q4_0_4_4 = 0x10000 + 31, IK_Q4_0_4_8 = 0x10000 + 32, IK_Q4_0_8_8 = 0x10000 + 33,
    I2_S = 0x10000 + 36,
};

// Which project's GGUF a file is: the same container, different type ids.
enum class Dialect : uint8_t { mainline, ik_llama };

// "llama.cpp" or "ik_llama.cpp", for messages.
std::string_view dialect_name(Dialect dialect);

// The runtimes that read a type's bytes with this meaning.
enum class TypeRuntimes : uint8_t { both, mainline_only, ik_only };

struct TypeTraits {
    std::string_view name;     // ggml_type_name spelling, e.g. "q4_K"
    uint32_t block_size;       // elements per block; 0 for retired ids
    uint32_t block_bytes;      // bytes per block; 0 for retired ids
    uint32_t row_meta_bytes;   // bytes each row carries before its blocks (ik)
    uint32_t interleaved_rows; // rows ik stores interleaved (_R4: 4); 1 otherwise
    bool quantized;
    TypeRuntimes runtimes;
};

// Number of ids mainline ggml knows (GGML_TYPE_COUNT of the reference release).
inline constexpr uint32_t kTensorTypeCount = 43;

// Traits of a type (an internal TensorType value), or nullopt when unknown.
std::optional<TypeTraits> type_traits(uint32_t id);

// True when the id names a type that can appear in a GGUF written today.
bool type_is_usable(uint32_t id);

// The type a file of `dialect` means by `file_id`, or nullopt when that
// dialect never assigned it. Retired mainline ids map to their (unusable)
// entries so that messages can name them.
std::optional<TensorType> type_from_file_id(uint32_t file_id, Dialect dialect);

// The id a file stores for `type`.
uint32_t file_id_of(TensorType type);

// "IQ4_KS (ik_llama.cpp id 144)" for a type only ik reads, the display
// name otherwise: how messages name a type.
std::string type_label(TensorType type);

// Every usable type of both dialects, mainline's ids first.
std::vector<TensorType> usable_types();

// Case-insensitive lookup by name ("Q4_K", "q4_k", "bf16").
std::optional<TensorType> type_from_name(std::string_view name);

// Display name of a usable type (upper case, as llama.cpp users write it).
std::string_view type_display_name(TensorType type);

// Bytes of one row of `row_elements` elements (with its row metadata); error
// when the row is not a whole number of blocks or the type is not usable.
// I2_S rows pack 4 elements a byte; its tensors add a trailer (tensor_bytes).
Result<uint64_t> row_bytes(TensorType type, uint64_t row_elements);

}  // namespace gguf
