#include "no_contraction.h"

#include <unordered_set>

#include "../../programmer_error.h"

namespace gguf::quant::vk {
namespace {

constexpr size_t kHeaderWords = 5;
constexpr uint32_t kOpDecorate = 71;
constexpr uint32_t kNoContraction = 42;

// Arithmetic whose rounding a fused operation could change: OpFNegate
// through OpDot, the float ones (SPIR-V 1.x opcode numbers).
bool float_arithmetic(uint32_t opcode) {
    switch (opcode) {
        case 127:  // OpFNegate
        case 129:  // OpFAdd
        case 131:  // OpFSub
        case 133:  // OpFMul
        case 136:  // OpFDiv
        case 140:  // OpFRem
        case 141:  // OpFMod
        case 142:  // OpVectorTimesScalar
        case 143:  // OpMatrixTimesScalar
        case 144:  // OpVectorTimesMatrix
        case 145:  // OpMatrixTimesVector
        case 146:  // OpMatrixTimesMatrix
        case 147:  // OpOuterProduct
        case 148:  // OpDot
            return true;
        default:
            return false;
    }
}

// The annotation instructions: decorations and decoration groups.
bool annotation(uint32_t opcode) { return (opcode >= 71 && opcode <= 75) || opcode == 332 || opcode == 5632 || opcode == 5633; }

struct Scan {
    std::vector<uint32_t> bare;   // float arithmetic results without NoContraction, in order
    size_t after_annotations = 0;  // word index just past the last annotation
};

Scan scan(std::span<const uint32_t> spirv) {
    GGUF_MTP_EXPECT(spirv.size() >= kHeaderWords, "a SPIR-V module starts with its five-word header");
    std::unordered_set<uint32_t> decorated;
    std::vector<uint32_t> arithmetic;
    Scan s;
    for (size_t at = kHeaderWords; at < spirv.size();) {
        const uint32_t words = spirv[at] >> 16, opcode = spirv[at] & 0xffffu;
        GGUF_MTP_EXPECT(words > 0 && at + words <= spirv.size(), "every SPIR-V instruction lies within the module");
        if (opcode == kOpDecorate && words >= 3 && spirv[at + 2] == kNoContraction) decorated.insert(spirv[at + 1]);
        if (annotation(opcode)) s.after_annotations = at + words;
        if (float_arithmetic(opcode) && words >= 3) arithmetic.push_back(spirv[at + 2]);  // result type, then result id
        at += words;
    }
    for (uint32_t id : arithmetic) {
        if (!decorated.contains(id)) s.bare.push_back(id);
    }
    return s;
}

}  // namespace

std::vector<uint32_t> forbid_contraction(std::span<const uint32_t> spirv) {
    const Scan s = scan(spirv);
    std::vector<uint32_t> out(spirv.begin(), spirv.end());
    if (s.bare.empty()) return out;
    GGUF_MTP_EXPECT(s.after_annotations > 0, "a shader with float arithmetic has decorations (its bindings)");
    std::vector<uint32_t> decorations;
    decorations.reserve(3 * s.bare.size());
    for (uint32_t id : s.bare) decorations.insert(decorations.end(), {(3u << 16) | kOpDecorate, id, kNoContraction});
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(s.after_annotations), decorations.begin(), decorations.end());
    return out;
}

bool forbids_contraction(std::span<const uint32_t> spirv) { return scan(spirv).bare.empty(); }

}  // namespace gguf::quant::vk
