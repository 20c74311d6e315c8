// Which type a tensor gets in the "-q" fixtures: a mix of quantized types
// (and BF16), chosen per tensor from its name so that the same tensor has
// the same type and bytes in every layout. Tensors the spec keeps in F32
// (1-D tensors, norms, router and conv weights) stay F32, as llama-quantize
// leaves them.
#pragma once

#include <cstdint>

#include "gguf/format/tensor_info.h"

namespace fixtures {

// general.file_type of the mixed files: MOSTLY_Q8_0, the base type, as
// llama-quantize records its base ftype when --tensor-type overrides mix in
// others.
inline constexpr uint32_t kMixedFileType = 7;

gguf::TensorType mixed_type(const gguf::TensorInfo& spec_tensor);

}  // namespace fixtures
