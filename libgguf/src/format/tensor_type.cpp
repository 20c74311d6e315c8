#include "gguf/format/tensor_type.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <string>

namespace gguf {
namespace {

struct Entry {
    TensorType type;
    uint32_t file_id;
    std::string_view name;         // ggml's spelling
    std::string_view display;      // what users type
    uint32_t block_size;
    uint32_t block_bytes;
    uint32_t row_meta_bytes;
    uint32_t interleaved_rows;
    bool quantized;
    TypeRuntimes runtimes;
};

// Indexed by type id. Sizes were read off the reference libggml-base
// (ggml_blck_size / ggml_type_size); retired ids keep a placeholder. Q8_K is
// mainline's alone: ik's block is 4 bytes longer (kIkTable).
constexpr std::array<Entry, kTensorTypeCount> kMainlineTable = {{
    {TensorType(0), 0, "f32", "F32", 1, 4, 0, 1, false, TypeRuntimes::both},
    {TensorType(1), 1, "f16", "F16", 1, 2, 0, 1, false, TypeRuntimes::both},
    {TensorType(2), 2, "q4_0", "Q4_0", 32, 18, 0, 1, true, TypeRuntimes::both},
    {TensorType(3), 3, "q4_1", "Q4_1", 32, 20, 0, 1, true, TypeRuntimes::both},
    {TensorType(4), 4, "", "Q4_2 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(5), 5, "", "Q4_3 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(6), 6, "q5_0", "Q5_0", 32, 22, 0, 1, true, TypeRuntimes::both},
    {TensorType(7), 7, "q5_1", "Q5_1", 32, 24, 0, 1, true, TypeRuntimes::both},
    {TensorType(8), 8, "q8_0", "Q8_0", 32, 34, 0, 1, true, TypeRuntimes::both},
    {TensorType(9), 9, "q8_1", "Q8_1", 32, 36, 0, 1, true, TypeRuntimes::both},
    {TensorType(10), 10, "q2_K", "Q2_K", 256, 84, 0, 1, true, TypeRuntimes::both},
    {TensorType(11), 11, "q3_K", "Q3_K", 256, 110, 0, 1, true, TypeRuntimes::both},
    {TensorType(12), 12, "q4_K", "Q4_K", 256, 144, 0, 1, true, TypeRuntimes::both},
    {TensorType(13), 13, "q5_K", "Q5_K", 256, 176, 0, 1, true, TypeRuntimes::both},
    {TensorType(14), 14, "q6_K", "Q6_K", 256, 210, 0, 1, true, TypeRuntimes::both},
    {TensorType(15), 15, "q8_K", "Q8_K", 256, 292, 0, 1, true, TypeRuntimes::mainline_only},
    {TensorType(16), 16, "iq2_xxs", "IQ2_XXS", 256, 66, 0, 1, true, TypeRuntimes::both},
    {TensorType(17), 17, "iq2_xs", "IQ2_XS", 256, 74, 0, 1, true, TypeRuntimes::both},
    {TensorType(18), 18, "iq3_xxs", "IQ3_XXS", 256, 98, 0, 1, true, TypeRuntimes::both},
    {TensorType(19), 19, "iq1_s", "IQ1_S", 256, 50, 0, 1, true, TypeRuntimes::both},
    {TensorType(20), 20, "iq4_nl", "IQ4_NL", 32, 18, 0, 1, true, TypeRuntimes::both},
    {TensorType(21), 21, "iq3_s", "IQ3_S", 256, 110, 0, 1, true, TypeRuntimes::both},
    {TensorType(22), 22, "iq2_s", "IQ2_S", 256, 82, 0, 1, true, TypeRuntimes::both},
    {TensorType(23), 23, "iq4_xs", "IQ4_XS", 256, 136, 0, 1, true, TypeRuntimes::both},
    {TensorType(24), 24, "i8", "I8", 1, 1, 0, 1, false, TypeRuntimes::both},
    {TensorType(25), 25, "i16", "I16", 1, 2, 0, 1, false, TypeRuntimes::both},
    {TensorType(26), 26, "i32", "I32", 1, 4, 0, 1, false, TypeRuntimes::both},
    {TensorType(27), 27, "i64", "I64", 1, 8, 0, 1, false, TypeRuntimes::both},
    {TensorType(28), 28, "f64", "F64", 1, 8, 0, 1, false, TypeRuntimes::both},
    {TensorType(29), 29, "iq1_m", "IQ1_M", 256, 56, 0, 1, true, TypeRuntimes::both},
    {TensorType(30), 30, "bf16", "BF16", 1, 2, 0, 1, false, TypeRuntimes::both},
    {TensorType(31), 31, "", "Q4_0_4_4 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(32), 32, "", "Q4_0_4_8 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(33), 33, "", "Q4_0_8_8 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(34), 34, "tq1_0", "TQ1_0", 256, 54, 0, 1, true, TypeRuntimes::mainline_only},
    {TensorType(35), 35, "tq2_0", "TQ2_0", 256, 66, 0, 1, true, TypeRuntimes::mainline_only},
    {TensorType(36), 36, "", "IQ4_NL_4_4 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(37), 37, "", "IQ4_NL_4_8 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(38), 38, "", "IQ4_NL_8_8 (removed)", 0, 0, 0, 1, false, TypeRuntimes::mainline_only},
    {TensorType(39), 39, "mxfp4", "MXFP4", 32, 17, 0, 1, true, TypeRuntimes::both},
    {TensorType(40), 40, "nvfp4", "NVFP4", 64, 36, 0, 1, true, TypeRuntimes::mainline_only},
    {TensorType(41), 41, "q1_0", "Q1_0", 128, 18, 0, 1, true, TypeRuntimes::both},
    {TensorType(42), 42, "q2_0", "Q2_0", 64, 18, 0, 1, true, TypeRuntimes::mainline_only},
}};

// ik_llama.cpp's types (ggml/src/ggml.c type_traits, ggml_packed_rows),
// sorted by TensorType value for binary search. I2_S is listed as 4
// elements a byte: ik's table says 1 and 1, and ggml_nbytes divides the
// total by 4 (then adds the 32-byte scale trailer, tensor_bytes).
constexpr std::array<Entry, 62> kIkTable = {{
    {TensorType::Q8_0_X4, 97, "q8_0_x4", "Q8_0_X4", 32, 34, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_1_X4, 98, "q8_1_x4", "Q8_1_X4", 32, 36, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_2_X4, 99, "q8_2_x4", "Q8_2_X4", 32, 36, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q6_0, 133, "q6_0", "Q6_0", 32, 26, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ1_BN, 134, "iq1_bn", "IQ1_BN", 64, 13, 2, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_BN, 135, "iq2_bn", "IQ2_BN", 64, 16, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_K64, 136, "q8_K64", "Q8_K64", 64, 68, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_K, 137, "iq2_k", "IQ2_K", 256, 76, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ3_K, 138, "iq3_k", "IQ3_K", 256, 110, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_K, 139, "iq4_k", "IQ4_K", 256, 144, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ5_K, 140, "iq5_k", "IQ5_K", 256, 176, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ6_K, 141, "iq6_k", "IQ6_K", 256, 212, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_KS, 144, "iq4_ks", "IQ4_KS", 256, 136, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_KS, 145, "iq2_ks", "IQ2_KS", 256, 70, 2, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_KSS, 146, "iq4_kss", "IQ4_KSS", 256, 128, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_K16, 147, "q8_K16", "Q8_K16", 64, 64, 20, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_K32, 148, "q8_K32", "Q8_K32", 256, 296, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_KR8, 149, "q8_KR8", "Q8_KR8", 256, 296, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_K128, 150, "q8_K128", "Q8_K128", 128, 140, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q8_KV, 151, "q8_KV", "Q8_KV", 32, 32, 8, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ5_KS, 152, "iq5_ks", "IQ5_KS", 256, 168, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_KT, 153, "iq2_kt", "IQ2_KT", 256, 68, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ3_KT, 154, "iq3_kt", "IQ3_KT", 256, 100, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_KT, 155, "iq4_kt", "IQ4_KT", 256, 128, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ3_KS, 156, "iq3_ks", "IQ3_KS", 256, 102, 2, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_KL, 157, "iq2_kl", "IQ2_KL", 256, 86, 2, 1, true, TypeRuntimes::ik_only},
    {TensorType::IQ1_KT, 158, "iq1_kt", "IQ1_KT", 256, 56, 4, 1, true, TypeRuntimes::ik_only},
    {TensorType::Q4_0_R8, 202, "q4_0_r8", "Q4_0_R8", 32, 18, 0, 8, true, TypeRuntimes::ik_only},
    {TensorType::Q5_0_R4, 206, "q5_0_r4", "Q5_0_R4", 32, 22, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::Q8_0_R8, 208, "q8_0_r8", "Q8_0_R8", 32, 34, 0, 8, true, TypeRuntimes::ik_only},
    {TensorType::Q2_K_R4, 210, "q2_k_r4", "Q2_K_R4", 256, 84, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::Q3_K_R4, 211, "q3_k_r4", "Q3_K_R4", 256, 110, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::Q4_K_R4, 212, "q4_k_r4", "Q4_K_R4", 256, 144, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::Q5_K_R4, 213, "q5_k_r4", "Q5_K_R4", 256, 176, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::Q6_K_R4, 214, "q6_k_r4", "Q6_K_R4", 256, 210, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_XXS_R4, 216, "iq2_xxs_r4", "IQ2_XXS_R4", 256, 66, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_XS_R4, 217, "iq2_xs_r4", "IQ2_XS_R4", 256, 74, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ3_XXS_R4, 218, "iq3_xxs_r4", "IQ3_XXS_R4", 256, 98, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ1_S_R4, 219, "iq1_s_r4", "IQ1_S_R4", 32, 6, 2, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_NL_R4, 220, "iq4_nl_r4", "IQ4_NL_R4", 32, 18, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ3_S_R4, 221, "iq3_s_r4", "IQ3_S_R4", 256, 110, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_S_R4, 222, "iq2_s_r4", "IQ2_S_R4", 256, 82, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_XS_R8, 223, "iq4_xs_r8", "IQ4_XS_R8", 256, 136, 0, 8, true, TypeRuntimes::ik_only},
    {TensorType::IQ1_M_R4, 229, "iq1_m_r4", "IQ1_M_R4", 32, 7, 2, 4, true, TypeRuntimes::ik_only},
    {TensorType::BF16_R16, 230, "bf16_r16", "BF16_R16", 1, 2, 0, 16, false, TypeRuntimes::ik_only},
    {TensorType::Q6_0_R4, 233, "q6_0_r4", "Q6_0_R4", 32, 26, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_BN_R4, 335, "iq2_bn_r4", "IQ2_BN_R4", 64, 16, 4, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ2_K_R4, 337, "iq2_k_r4", "IQ2_K_R4", 256, 76, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ3_K_R4, 338, "iq3_k_r4", "IQ3_K_R4", 256, 110, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_K_R4, 339, "iq4_k_r4", "IQ4_K_R4", 256, 144, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ5_K_R4, 340, "iq5_k_r4", "IQ5_K_R4", 256, 176, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ4_KS_R4, 344, "iq4_ks_r4", "IQ4_KS_R4", 256, 136, 4, 4, true, TypeRuntimes::ik_only},
    {TensorType::IQ5_KS_R4, 352, "iq5_ks_r4", "IQ5_KS_R4", 256, 168, 4, 4, true, TypeRuntimes::ik_only},
    {TensorType::MXFP4_R8, 353, "mxfp4_r8", "MXFP4_R8", 32, 17, 0, 4, true, TypeRuntimes::ik_only},
    {TensorType::Q8_K_R16, 397, "q8_k_r16", "Q8_K_R16", 256, 258, 0, 16, true, TypeRuntimes::ik_only},
    {TensorType::Q8_KV_R8, 398, "q8_KV_r8", "Q8_KV_R8", 32, 32, 4, 8, true, TypeRuntimes::ik_only},
    {TensorType::Q8_K_R8, 399, "q8_k_r8", "Q8_K_R8", 256, 258, 0, 8, true, TypeRuntimes::ik_only},
    {TensorType::IK_Q8_K, 15, "q8_K", "Q8_K", 256, 296, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IK_Q4_0_4_4, 31, "q4_0_4x4", "Q4_0_4_4", 32, 18, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IK_Q4_0_4_8, 32, "q4_0_4x8", "Q4_0_4_8", 32, 18, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::IK_Q4_0_8_8, 33, "q4_0_8x8", "Q4_0_8_8", 32, 18, 0, 1, true, TypeRuntimes::ik_only},
    {TensorType::I2_S, 36, "i2_s", "I2_S", 4, 1, 0, 1, true, TypeRuntimes::ik_only},
}};

const Entry* find_entry(TensorType type) {
    const auto value = static_cast<uint32_t>(type);
    if (value < kMainlineTable.size()) return &kMainlineTable[value];
    auto it = std::lower_bound(kIkTable.begin(), kIkTable.end(), value,
                               [](const Entry& e, uint32_t v) { return static_cast<uint32_t>(e.type) < v; });
    return it != kIkTable.end() && it->type == type ? &*it : nullptr;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    }
    return true;
}

}  // namespace

std::string_view dialect_name(Dialect dialect) { return dialect == Dialect::ik_llama ? "ik_llama.cpp" : "llama.cpp"; }

std::optional<TypeTraits> type_traits(uint32_t id) {
    const Entry* e = find_entry(TensorType(id));
    if (!e) return std::nullopt;
    return TypeTraits{e->name, e->block_size, e->block_bytes, e->row_meta_bytes, e->interleaved_rows, e->quantized, e->runtimes};
}

bool type_is_usable(uint32_t id) {
    const Entry* e = find_entry(TensorType(id));
    return e && e->block_size != 0;
}

std::optional<TensorType> type_from_file_id(uint32_t file_id, Dialect dialect) {
    if (dialect == Dialect::ik_llama) {
        for (const Entry& e : kIkTable) {
            if (e.file_id == file_id) return e.type;
        }
        if (file_id < kMainlineTable.size() && kMainlineTable[file_id].runtimes == TypeRuntimes::both) return TensorType(file_id);
        return std::nullopt;
    }
    if (file_id < kMainlineTable.size()) return TensorType(file_id);
    return std::nullopt;
}

uint32_t file_id_of(TensorType type) {
    const Entry* e = find_entry(type);
    return e ? e->file_id : static_cast<uint32_t>(type);
}

std::vector<TensorType> usable_types() {
    std::vector<TensorType> types;
    for (std::span<const Entry> table : {std::span<const Entry>(kMainlineTable), std::span<const Entry>(kIkTable)}) {
        for (const Entry& e : table) {
            if (e.block_size != 0) types.push_back(e.type);
        }
    }
    return types;
}

std::optional<TensorType> type_from_name(std::string_view name) {
    for (std::span<const Entry> table : {std::span<const Entry>(kMainlineTable), std::span<const Entry>(kIkTable)}) {
        for (const Entry& e : table) {
            if (e.block_size != 0 && (equal_ignoring_case(e.name, name) || equal_ignoring_case(e.display, name))) return e.type;
        }
    }
    return std::nullopt;
}

std::string_view type_display_name(TensorType type) {
    const Entry* e = find_entry(type);
    return e ? e->display : std::string_view("unknown");
}

std::string type_label(TensorType type) {
    const Entry* e = find_entry(type);
    if (!e) return "unknown type " + std::to_string(static_cast<uint32_t>(type));
    if (e->runtimes != TypeRuntimes::ik_only) return std::string(e->display);
    return std::string(e->display) + " (ik_llama.cpp id " + std::to_string(e->file_id) + ")";
}

Result<uint64_t> row_bytes(TensorType type, uint64_t row_elements) {
    const Entry* e = find_entry(type);
    if (!e || e->block_size == 0) {
        return fail(ErrorCode::unsupported, "", "tensor type " + type_label(type) + " has no size");
    }
    if (row_elements % e->block_size != 0) {
        return fail(ErrorCode::bad_format, "",
                    "row of " + std::to_string(row_elements) + " elements is not a multiple of the " + type_label(type) +
                        " block size " + std::to_string(e->block_size));
    }
    const uint64_t blocks = row_elements / e->block_size;
    if (blocks > UINT64_MAX / 4 / e->block_bytes) return fail(ErrorCode::bad_format, "", "tensor size overflows 63 bits");
    return e->row_meta_bytes + blocks * e->block_bytes;
}

}  // namespace gguf
