// The bytes of one fixture tensor in the type its plan gives it.
#pragma once

#include <cstdint>
#include <span>

#include "gguf/error.h"
#include "gguf/format/tensor_info.h"

namespace fixtures {

// F32, F16 and BF16 hold the tensor's values (tensor_values.h); quantized
// types hold synthetic blocks (synthetic_quant.h); I32 holds index rows.
gguf::Status encode_tensor(const gguf::TensorInfo& info, std::span<uint8_t> out);

}  // namespace fixtures
