#include "kernels.h"

namespace gguf::quant {

std::span<const Kernels> legacy_kernels() { return {}; }

}  // namespace gguf::quant
