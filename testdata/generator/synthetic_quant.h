// Quantized tensor bytes that are not the quantization of anything: random
// block contents whose f16 scale fields (MXFP4: its exponent byte) are all
// set to one small finite value. Every block then decodes to finite numbers
// of a modest size, which is all a fixture needs (loading, decoding,
// byte-exact surgery); real quantizers are tested elsewhere against ggml.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "gguf/error.h"
#include "gguf/format/tensor_type.h"

namespace fixtures {

bool has_synthetic_blocks(gguf::TensorType type);

// Fills `out`, a whole number of blocks of `type`, from a generator seeded
// by the tensor name.
gguf::Status fill_synthetic_blocks(gguf::TensorType type, std::string_view tensor_name, std::span<uint8_t> out);

}  // namespace fixtures
