#include "kernels.h"

namespace gguf::quant {

std::span<const Kernels> ternary_fp4_kernels() { return {}; }

}  // namespace gguf::quant
