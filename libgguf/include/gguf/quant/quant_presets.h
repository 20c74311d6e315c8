// llama-quantize's presets: the names users type (Q4_K_M, IQ2_XXS, COPY, ...),
// the llama_ftype each one records in general.file_type, and the tensor type
// most tensors get. The mixture rules (quant_mixture.h) key on the file type.
//
// Thread safety: a constant table; any thread may read it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "gguf/format/tensor_type.h"

namespace gguf {

// llama_ftype values, as stored in general.file_type.
enum class FileType : uint32_t {
    all_f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q8_0 = 7, q5_0 = 8, q5_1 = 9, q2_k = 10, q3_k_s = 11,
    q3_k_m = 12, q3_k_l = 13, q4_k_s = 14, q4_k_m = 15, q5_k_s = 16, q5_k_m = 17, q6_k = 18, iq2_xxs = 19,
    iq2_xs = 20, q2_k_s = 21, iq3_xs = 22, iq3_xxs = 23, iq1_s = 24, iq4_nl = 25, iq3_s = 26, iq3_m = 27,
    iq2_s = 28, iq2_m = 29, iq4_xs = 30, iq1_m = 31, bf16 = 32, tq1_0 = 36, tq2_0 = 37, mxfp4_moe = 38,
    nvfp4 = 39, q1_0 = 40, q2_0 = 41,
};

// llama.cpp marks a file type it inferred from the tensors (no
// general.file_type key) with this bit.
inline constexpr uint32_t kFileTypeGuessed = 1024;

struct QuantPreset {
    std::string_view name;    // "Q4_K_M"
    FileType file_type;
    TensorType default_type;  // what most tensors become
    bool copy_only = false;   // COPY: rewrite the file, quantize nothing
};

// In llama-quantize's order, which decides what a numeric type means.
std::span<const QuantPreset> quant_presets();

// A preset by name (case-insensitive) or by llama_ftype number, as
// llama-quantize accepts either; nullptr when neither matches.
const QuantPreset* find_preset(std::string_view name_or_number);

// The file type llama.cpp infers for a file without general.file_type from
// its most common tensor type (first to reach the maximum in `types`' order),
// with kFileTypeGuessed set.
uint32_t guess_file_type(std::span<const TensorType> types);

}  // namespace gguf
