// float -> 16-bit float conversions with round-to-nearest-even, written out
// so the fixtures do not depend on the compiler's _Float16 support or on a
// CPU's conversion instructions.
#pragma once

#include <cstdint>

namespace fixtures {

uint16_t f32_to_f16(float value);
uint16_t f32_to_bf16(float value);

}  // namespace fixtures
