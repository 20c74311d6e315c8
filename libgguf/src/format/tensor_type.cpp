#include "gguf/format/tensor_type.h"

#include <array>
#include <cctype>
#include <string>

namespace gguf {
namespace {

struct Entry {
    std::string_view name;         // ggml's spelling
    std::string_view display;      // what users type
    uint32_t block_size;
    uint32_t block_bytes;
    bool quantized;
};

// Indexed by type id. Sizes were read off the reference libggml-base
// (ggml_blck_size / ggml_type_size); retired ids keep a placeholder.
constexpr std::array<Entry, kTensorTypeCount> kTable = {{
    {"f32", "F32", 1, 4, false},
    {"f16", "F16", 1, 2, false},
    {"q4_0", "Q4_0", 32, 18, true},
    {"q4_1", "Q4_1", 32, 20, true},
    {"", "Q4_2 (removed)", 0, 0, false},
    {"", "Q4_3 (removed)", 0, 0, false},
    {"q5_0", "Q5_0", 32, 22, true},
    {"q5_1", "Q5_1", 32, 24, true},
    {"q8_0", "Q8_0", 32, 34, true},
    {"q8_1", "Q8_1", 32, 36, true},
    {"q2_K", "Q2_K", 256, 84, true},
    {"q3_K", "Q3_K", 256, 110, true},
    {"q4_K", "Q4_K", 256, 144, true},
    {"q5_K", "Q5_K", 256, 176, true},
    {"q6_K", "Q6_K", 256, 210, true},
    {"q8_K", "Q8_K", 256, 292, true},
    {"iq2_xxs", "IQ2_XXS", 256, 66, true},
    {"iq2_xs", "IQ2_XS", 256, 74, true},
    {"iq3_xxs", "IQ3_XXS", 256, 98, true},
    {"iq1_s", "IQ1_S", 256, 50, true},
    {"iq4_nl", "IQ4_NL", 32, 18, true},
    {"iq3_s", "IQ3_S", 256, 110, true},
    {"iq2_s", "IQ2_S", 256, 82, true},
    {"iq4_xs", "IQ4_XS", 256, 136, true},
    {"i8", "I8", 1, 1, false},
    {"i16", "I16", 1, 2, false},
    {"i32", "I32", 1, 4, false},
    {"i64", "I64", 1, 8, false},
    {"f64", "F64", 1, 8, false},
    {"iq1_m", "IQ1_M", 256, 56, true},
    {"bf16", "BF16", 1, 2, false},
    {"", "Q4_0_4_4 (removed)", 0, 0, false},
    {"", "Q4_0_4_8 (removed)", 0, 0, false},
    {"", "Q4_0_8_8 (removed)", 0, 0, false},
    {"tq1_0", "TQ1_0", 256, 54, true},
    {"tq2_0", "TQ2_0", 256, 66, true},
    {"", "IQ4_NL_4_4 (removed)", 0, 0, false},
    {"", "IQ4_NL_4_8 (removed)", 0, 0, false},
    {"", "IQ4_NL_8_8 (removed)", 0, 0, false},
    {"mxfp4", "MXFP4", 32, 17, true},
    {"nvfp4", "NVFP4", 64, 36, true},
    {"q1_0", "Q1_0", 128, 18, true},
    {"q2_0", "Q2_0", 64, 18, true},
}};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    }
    return true;
}

}  // namespace

std::optional<TypeTraits> type_traits(uint32_t id) {
    if (id >= kTable.size()) return std::nullopt;
    const Entry& e = kTable[id];
    return TypeTraits{e.name, e.block_size, e.block_bytes, e.quantized};
}

bool type_is_usable(uint32_t id) { return id < kTable.size() && kTable[id].block_size != 0; }

std::optional<TensorType> type_from_name(std::string_view name) {
    for (uint32_t id = 0; id < kTable.size(); ++id) {
        if (kTable[id].block_size != 0 && equal_ignoring_case(kTable[id].name, name)) return TensorType(id);
    }
    return std::nullopt;
}

std::string_view type_display_name(TensorType type) {
    auto id = static_cast<uint32_t>(type);
    return id < kTable.size() ? kTable[id].display : std::string_view("unknown");
}

Result<uint64_t> row_bytes(TensorType type, uint64_t row_elements) {
    auto id = static_cast<uint32_t>(type);
    if (!type_is_usable(id)) {
        return fail(ErrorCode::unsupported, "", "tensor type id " + std::to_string(id) + " has no size");
    }
    const Entry& e = kTable[id];
    if (row_elements % e.block_size != 0) {
        return fail(ErrorCode::bad_format, "",
                    "row of " + std::to_string(row_elements) + " elements is not a multiple of the " +
                        std::string(e.display) + " block size " + std::to_string(e.block_size));
    }
    const uint64_t blocks = row_elements / e.block_size;
    if (blocks > UINT64_MAX / 2 / e.block_bytes) return fail(ErrorCode::bad_format, "", "tensor size overflows 63 bits");
    return blocks * e.block_bytes;
}

}  // namespace gguf
