#include "data_rules.h"

#include <bit>
#include <cmath>

#include "../format/little_endian.h"

namespace gguf::detail {
namespace {

constexpr CheckedField kF32[] = {{0, FieldKind::f32, "value"}};
constexpr CheckedField kF16[] = {{0, FieldKind::f16, "value"}};
constexpr CheckedField kBF16[] = {{0, FieldKind::bf16, "value"}};
constexpr CheckedField kF64[] = {{0, FieldKind::f64, "value"}};
constexpr CheckedField kScaleFirst[] = {{0, FieldKind::f16, "d"}};
constexpr CheckedField kScaleLast[] = {{-2, FieldKind::f16, "d"}};
constexpr CheckedField kScaleAndMinFirst[] = {{0, FieldKind::f16, "d"}, {2, FieldKind::f16, "dmin"}};
constexpr CheckedField kScaleAndMinLast[] = {{-4, FieldKind::f16, "d"}, {-2, FieldKind::f16, "dmin"}};
constexpr CheckedField kScaleAndOffset[] = {{0, FieldKind::f16, "d"}, {2, FieldKind::f16, "m"}};
constexpr CheckedField kScaleAndSum[] = {{0, FieldKind::f16, "d"}, {2, FieldKind::f16, "s"}};
constexpr CheckedField kQ8K[] = {{0, FieldKind::f32, "d"}};
constexpr CheckedField kIQ1M[] = {{48, FieldKind::iq1m_scale, "scale"}};  // after qs[32] and qh[16]
constexpr CheckedField kMXFP4[] = {{0, FieldKind::e8m0, "e"}};
// ik_llama.cpp's Q4_0 repacks: the scales of the 4 or 8 Q4_0 blocks a
// block_q4_0x4 / block_q4_0x8 interleaves come first.
constexpr CheckedField kQ4_0x4[] = {{0, FieldKind::f16, "d[0]"}, {2, FieldKind::f16, "d[1]"}, {4, FieldKind::f16, "d[2]"},
                                    {6, FieldKind::f16, "d[3]"}};
constexpr CheckedField kQ4_0x8[] = {{0, FieldKind::f16, "d[0]"},  {2, FieldKind::f16, "d[1]"},  {4, FieldKind::f16, "d[2]"},
                                    {6, FieldKind::f16, "d[3]"},  {8, FieldKind::f16, "d[4]"},  {10, FieldKind::f16, "d[5]"},
                                    {12, FieldKind::f16, "d[6]"}, {14, FieldKind::f16, "d[7]"}};

uint16_t load_u16(const uint8_t* p) { return load_le<uint16_t>(p); }

std::string_view f16_problem(uint16_t h) {
    if ((h & 0x7c00) != 0x7c00) return {};
    return (h & 0x03ff) ? "NaN" : "Inf";
}

}  // namespace

std::span<const CheckedField> checked_fields(TensorType type) {
    switch (type) {
        case TensorType::F32: return kF32;
        case TensorType::F16: return kF16;
        case TensorType::BF16: return kBF16;
        case TensorType::F64: return kF64;
        case TensorType::Q4_0: case TensorType::Q5_0: case TensorType::Q8_0: case TensorType::Q1_0: case TensorType::Q2_0:
        case TensorType::IQ2_XXS: case TensorType::IQ2_XS: case TensorType::IQ2_S: case TensorType::IQ3_XXS:
        case TensorType::IQ3_S: case TensorType::IQ1_S: case TensorType::IQ4_NL: case TensorType::IQ4_XS:
            return kScaleFirst;
        case TensorType::Q3_K: case TensorType::Q6_K: case TensorType::TQ1_0: case TensorType::TQ2_0: return kScaleLast;
        case TensorType::Q4_K: case TensorType::Q5_K: return kScaleAndMinFirst;
        case TensorType::Q2_K: return kScaleAndMinLast;
        case TensorType::Q4_1: case TensorType::Q5_1: return kScaleAndOffset;
        case TensorType::Q8_1: return kScaleAndSum;
        case TensorType::Q8_K: case TensorType::IK_Q8_K: return kQ8K;
        case TensorType::IK_Q4_0_4_4: case TensorType::IK_Q4_0_4_8: return kQ4_0x4;
        case TensorType::IK_Q4_0_8_8: return kQ4_0x8;
        case TensorType::IQ1_M: return kIQ1M;
        case TensorType::MXFP4: return kMXFP4;
        case TensorType::I8: case TensorType::I16: case TensorType::I32: case TensorType::I64: case TensorType::NVFP4: return {};
        default: return {};  // ik_llama.cpp's own types: ik's loader checks none of their fields
    }
}

uint32_t checked_unit_blocks(TensorType type) {
    switch (type) {
        case TensorType::IK_Q4_0_4_4: case TensorType::IK_Q4_0_4_8: return 4;
        case TensorType::IK_Q4_0_8_8: return 8;
        default: return 1;
    }
}

std::string_view field_problem(FieldKind kind, const uint8_t* p) {
    switch (kind) {
        case FieldKind::f16: return f16_problem(load_u16(p));
        case FieldKind::bf16: {
            const uint16_t v = load_u16(p) & 0x7fff;
            return v > 0x7f80 ? "NaN" : v == 0x7f80 ? "Inf" : std::string_view{};
        }
        case FieldKind::f32: {
            const auto v = load_le<uint32_t>(p);
            if ((v & 0x7f800000u) != 0x7f800000u) return {};
            return (v & 0x007fffffu) ? "NaN" : "Inf";
        }
        case FieldKind::f64: {
            const auto v = load_le<uint64_t>(p);
            constexpr uint64_t kExponent = 0x7ff0000000000000ull;
            if ((v & kExponent) == kExponent) return (v & 0x000fffffffffffffull) ? "NaN" : "Inf";
            // ggml checks an f64 through a float: a finite double beyond the
            // f32 range is Inf to it, and llama.cpp refuses the tensor.
            return std::isinf(static_cast<float>(std::bit_cast<double>(v))) ? "a value beyond the f32 range" : std::string_view{};
        }
        case FieldKind::e8m0: return *p == 0xff ? "0xFF (reserved E8M0 exponent)" : std::string_view{};
        case FieldKind::iq1m_scale: {
            const uint16_t s0 = load_u16(p), s1 = load_u16(p + 2), s2 = load_u16(p + 4), s3 = load_u16(p + 6);
            return f16_problem(static_cast<uint16_t>((s0 >> 12) | ((s1 >> 8) & 0x00f0) | ((s2 >> 4) & 0x0f00) | (s3 & 0xf000)));
        }
    }
    return {};
}

}  // namespace gguf::detail
