#include "synthetic_quant.h"

#include <algorithm>
#include <vector>

#include "half.h"
#include "tensor_values.h"

namespace fixtures {
namespace {

// Where each block type keeps its f16 fields (ggml's block_* structs): the
// scale d and, for the "_1" and K types, the minimum. Everything else in a
// block is small integers or packed indices, any bit pattern of which is
// valid.
struct BlockLayout {
    gguf::TensorType type;
    std::vector<uint32_t> f16_offsets;
};

const std::vector<BlockLayout>& block_layouts() {
    using T = gguf::TensorType;
    static const std::vector<BlockLayout> layouts = {
        {T::Q4_0, {0}},      {T::Q4_1, {0, 2}}, {T::Q5_0, {0}},   {T::Q5_1, {0, 2}},
        {T::Q8_0, {0}},      {T::IQ4_NL, {0}},
        // 256-element super-blocks (ggml-common.h): q2_K ends in d, dmin
        // after 16 scale and 64 quant bytes; q3_K ends in d after 32 + 64 +
        // 12; q4_K and q5_K start with d, dmin; q6_K ends in d after 128 +
        // 64 + 16; iq4_xs starts with d.
        {T::Q2_K, {80, 82}}, {T::Q3_K, {108}},  {T::Q4_K, {0, 2}}, {T::Q5_K, {0, 2}},
        {T::Q6_K, {208}},    {T::IQ4_XS, {0}},
    };
    return layouts;
}

const BlockLayout* layout_of(gguf::TensorType type) {
    const auto& all = block_layouts();
    const auto it = std::ranges::find(all, type, &BlockLayout::type);
    return it == all.end() ? nullptr : &*it;
}

// MXFP4 (block_mxfp4: one E8M0 exponent byte, then 16 bytes of 4-bit codes)
// scales by a power of two instead: ggml decodes 2^(e - 128) times codes of
// at most 12, so 120 keeps the weights below 0.05, the float fixtures' size.
constexpr uint8_t kMxfp4Exponent = 120;

// ik_llama.cpp's own types hold plain random bytes, rows' metadata
// included: the fixtures only carry them through surgery, split and
// hashing, which copy bytes; what decodes ik types is tested on seeded
// blocks of its own (tests/support/seeded_blocks.h). Only the scales ik's
// loader checks are made finite: the 4 or 8 f16 that start each block group
// of its Q4_0 repacks.
bool is_ik_only(gguf::TensorType type) {
    const auto traits = gguf::type_traits(static_cast<uint32_t>(type));
    return traits && traits->runtimes == gguf::TypeRuntimes::ik_only;
}

uint32_t ik_repack_group_blocks(gguf::TensorType type) {
    using T = gguf::TensorType;
    return type == T::IK_Q4_0_4_4 || type == T::IK_Q4_0_4_8 ? 4 : type == T::IK_Q4_0_8_8 ? 8 : 0;
}

}  // namespace

bool has_synthetic_blocks(gguf::TensorType type) {
    return type == gguf::TensorType::MXFP4 || layout_of(type) != nullptr || is_ik_only(type);
}

gguf::Status fill_synthetic_blocks(gguf::TensorType type, std::string_view tensor_name, std::span<uint8_t> out) {
    const BlockLayout* layout = layout_of(type);
    const auto traits = gguf::type_traits(static_cast<uint32_t>(type));
    if (!has_synthetic_blocks(type) || !traits || traits->block_bytes == 0)
        return gguf::fail(gguf::ErrorCode::invalid_argument, "", std::string(tensor_name) + ": no synthetic blocks for this type");
    std::mt19937_64 rng = name_seeded_rng(tensor_name);
    for (uint8_t& byte : out) byte = static_cast<uint8_t>(rng());
    // 2^-10 keeps the decoded weights roughly the size of the float fixtures'.
    const uint16_t scale = f32_to_f16(0x1.0p-10f);
    if (const uint32_t group = ik_repack_group_blocks(type); group != 0) {
        for (size_t at = 0; at + group * traits->block_bytes <= out.size(); at += group * traits->block_bytes) {
            for (uint32_t j = 0; j < group; ++j) {
                out[at + 2 * j] = static_cast<uint8_t>(scale & 0xff);
                out[at + 2 * j + 1] = static_cast<uint8_t>(scale >> 8);
            }
        }
    }
    if (is_ik_only(type)) return {};
    const uint32_t block_bytes = traits->block_bytes;
    if (out.size() % block_bytes != 0)
        return gguf::fail(gguf::ErrorCode::invalid_argument, "", std::string(tensor_name) + ": not a whole number of blocks");

    if (layout)
        for (uint32_t offset : layout->f16_offsets)
            if (offset + 2 > block_bytes)
                return gguf::fail(gguf::ErrorCode::invalid_argument, "", std::string(tensor_name) + ": f16 field past the block");

    if (!layout) {  // MXFP4: the exponent is each block's first byte
        for (size_t block = 0; block < out.size(); block += block_bytes) out[block] = kMxfp4Exponent;
        return {};
    }
    for (size_t block = 0; block < out.size(); block += block_bytes) {
        for (uint32_t offset : layout->f16_offsets) {
            out[block + offset] = static_cast<uint8_t>(scale & 0xff);
            out[block + offset + 1] = static_cast<uint8_t>(scale >> 8);
        }
    }
    return {};
}

}  // namespace fixtures
