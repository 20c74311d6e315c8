// The SPIR-V of every shader in shaders/, embedded at build time: for shader
// NAME.comp, shaders::NAME holds both variants. CMakeLists.txt writes the list.
#pragma once

#include <cstdint>

#include "shader_table.h"

namespace gguf::quant::vk::shaders {
#include "embedded_shaders.inc"
}  // namespace gguf::quant::vk::shaders
