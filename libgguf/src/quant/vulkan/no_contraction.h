// Every float arithmetic instruction of a SPIR-V module decorated
// NoContraction, so that no driver fuses a multiply and an add into one
// rounding. The shaders mark every float expression `precise`, but glslc's
// optimizer drops the decoration from the copies it makes when it unrolls
// a loop ([[unroll]]): in the IQ4 shader 31 of 32 unrolled sums came out
// bare, in IQ1_M's trial sums 63 of 64. A driver may fuse those; the H100's
// did once an unrelated change moved IQ1_M's code, and its bytes changed.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace gguf::quant::vk {

// `spirv` (a whole, valid module) with a NoContraction decoration added
// after its other decorations for each float arithmetic result that lacks
// one; nothing else changes.
std::vector<uint32_t> forbid_contraction(std::span<const uint32_t> spirv);

// Whether every float arithmetic result of `spirv` is decorated
// NoContraction.
bool forbids_contraction(std::span<const uint32_t> spirv);

}  // namespace gguf::quant::vk
