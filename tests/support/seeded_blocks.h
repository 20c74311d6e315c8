// Reproducible quantized bytes for differential tests against digests that
// were recorded from another implementation (ik_llama.cpp's dequantizers,
// built outside this repository): the same seed gives the same bytes here and
// in the recording program, which follows the scheme written below.
//
// Scheme: the bytes are SplitMix64 outputs (state starts at `seed`; each
// output is stored little-endian, 8 bytes at a time, the last one cut
// short). Float fields (block scales, per-row scales) are then made finite
// and moderate in place: an f16 keeps its sign and mantissa and gets exponent
// 12 (bits = (bits & 0x83FF) | 0x3000, |x| in [0.125, 0.25)); an f32 likewise
// gets exponent 124 (bits = (bits & 0x807FFFFF) | 0x3E000000).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace gguf_test {

std::vector<uint8_t> seeded_bytes(uint64_t seed, size_t count);

// Rewrites the f16 / f32 at `offset` of `bytes` as the scheme says.
void tame_f16(std::span<uint8_t> bytes, size_t offset);
void tame_f32(std::span<uint8_t> bytes, size_t offset);

}  // namespace gguf_test
