#include "gguf/quant/quant_presets.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>

namespace gguf {
namespace {

using F = FileType;
using T = TensorType;

// llama-quantize's list, in its order. Aliases (Q3_K, Q4_K, Q5_K) share the
// file type of their _M preset; the default type is llama_ftype_get_default_type's
// (note IQ2_S defaults to IQ2_XS and IQ2_M to IQ2_S there).
constexpr std::array kPresets = {
    QuantPreset{"Q1_0", F::q1_0, T::Q1_0},          QuantPreset{"Q2_0", F::q2_0, T::Q2_0},
    QuantPreset{"Q4_0", F::q4_0, T::Q4_0},          QuantPreset{"Q4_1", F::q4_1, T::Q4_1},
    QuantPreset{"MXFP4_MOE", F::mxfp4_moe, T::MXFP4}, QuantPreset{"Q5_0", F::q5_0, T::Q5_0},
    QuantPreset{"Q5_1", F::q5_1, T::Q5_1},          QuantPreset{"IQ2_XXS", F::iq2_xxs, T::IQ2_XXS},
    QuantPreset{"IQ2_XS", F::iq2_xs, T::IQ2_XS},    QuantPreset{"IQ2_S", F::iq2_s, T::IQ2_XS},
    QuantPreset{"IQ2_M", F::iq2_m, T::IQ2_S},       QuantPreset{"IQ1_S", F::iq1_s, T::IQ1_S},
    QuantPreset{"IQ1_M", F::iq1_m, T::IQ1_M},       QuantPreset{"TQ1_0", F::tq1_0, T::TQ1_0},
    QuantPreset{"TQ2_0", F::tq2_0, T::TQ2_0},       QuantPreset{"Q2_K", F::q2_k, T::Q2_K},
    QuantPreset{"Q2_K_S", F::q2_k_s, T::Q2_K},      QuantPreset{"IQ3_XXS", F::iq3_xxs, T::IQ3_XXS},
    QuantPreset{"IQ3_S", F::iq3_s, T::IQ3_S},       QuantPreset{"IQ3_M", F::iq3_m, T::IQ3_S},
    QuantPreset{"Q3_K", F::q3_k_m, T::Q3_K},        QuantPreset{"IQ3_XS", F::iq3_xs, T::IQ3_S},
    QuantPreset{"Q3_K_S", F::q3_k_s, T::Q3_K},      QuantPreset{"Q3_K_M", F::q3_k_m, T::Q3_K},
    QuantPreset{"Q3_K_L", F::q3_k_l, T::Q3_K},      QuantPreset{"IQ4_NL", F::iq4_nl, T::IQ4_NL},
    QuantPreset{"IQ4_XS", F::iq4_xs, T::IQ4_XS},    QuantPreset{"Q4_K", F::q4_k_m, T::Q4_K},
    QuantPreset{"Q4_K_S", F::q4_k_s, T::Q4_K},      QuantPreset{"Q4_K_M", F::q4_k_m, T::Q4_K},
    QuantPreset{"Q5_K", F::q5_k_m, T::Q5_K},        QuantPreset{"Q5_K_S", F::q5_k_s, T::Q5_K},
    QuantPreset{"Q5_K_M", F::q5_k_m, T::Q5_K},      QuantPreset{"Q6_K", F::q6_k, T::Q6_K},
    QuantPreset{"Q8_0", F::q8_0, T::Q8_0},          QuantPreset{"F16", F::f16, T::F16},
    QuantPreset{"BF16", F::bf16, T::BF16},          QuantPreset{"F32", F::all_f32, T::F32},
    QuantPreset{"COPY", F::all_f32, T::F32, true},
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
           });
}

// The file type llama.cpp's loader names after a tensor type.
std::optional<FileType> file_type_named_by(TensorType type) {
    static const std::map<TensorType, FileType> kByType = {
        {T::F32, F::all_f32},     {T::F16, F::f16},       {T::BF16, F::bf16},       {T::Q4_0, F::q4_0},
        {T::Q4_1, F::q4_1},       {T::Q5_0, F::q5_0},     {T::Q5_1, F::q5_1},       {T::Q8_0, F::q8_0},
        {T::Q2_K, F::q2_k},       {T::Q3_K, F::q3_k_m},   {T::Q4_K, F::q4_k_m},     {T::Q5_K, F::q5_k_m},
        {T::Q6_K, F::q6_k},       {T::TQ1_0, F::tq1_0},   {T::TQ2_0, F::tq2_0},     {T::IQ2_XXS, F::iq2_xxs},
        {T::IQ2_XS, F::iq2_xs},   {T::IQ2_S, F::iq2_s},   {T::IQ3_XXS, F::iq3_xxs}, {T::IQ1_S, F::iq1_s},
        {T::IQ1_M, F::iq1_m},     {T::IQ4_NL, F::iq4_nl}, {T::IQ4_XS, F::iq4_xs},   {T::IQ3_S, F::iq3_s},
        {T::NVFP4, F::nvfp4},     {T::Q1_0, F::q1_0},     {T::Q2_0, F::q2_0},
    };
    auto it = kByType.find(type);
    if (it == kByType.end()) return std::nullopt;
    return it->second;
}

}  // namespace

std::span<const QuantPreset> quant_presets() { return kPresets; }

const QuantPreset* find_preset(std::string_view name_or_number) {
    for (const auto& p : kPresets) {
        if (equal_ignoring_case(p.name, name_or_number)) return &p;
    }
    uint32_t number = 0;
    auto [end, ec] = std::from_chars(name_or_number.data(), name_or_number.data() + name_or_number.size(), number);
    if (ec != std::errc() || end != name_or_number.data() + name_or_number.size()) return nullptr;
    for (const auto& p : kPresets) {
        if (static_cast<uint32_t>(p.file_type) == number) return &p;
    }
    return nullptr;
}

uint32_t guess_file_type(std::span<const TensorType> types) {
    std::map<TensorType, size_t> count;
    TensorType most = T::F32;
    size_t most_count = 0;
    for (auto t : types) {
        if (++count[t] > most_count) {
            most_count = count[t];
            most = t;
        }
    }
    return static_cast<uint32_t>(file_type_named_by(most).value_or(F::all_f32)) | kFileTypeGuessed;
}

}  // namespace gguf
