// Names of general.file_type values (llama_ftype, the preset a model was
// quantized with) in both dialects of GGUF. The two projects' llama.h agree
// below 33 and part ways above: ik keeps the Q4_0_x_y presets mainline
// removed, numbers its own presets from 135, and gives 41 another meaning.
//
// Thread safety: a constant table; any thread may read it.
#pragma once

#include <cstdint>
#include <string>

#include "gguf/format/tensor_type.h"

namespace gguf {

// How a file of `dialect` names `file_type`: "Q4_K_M" as both projects'
// LLAMA_FTYPE_MOSTLY_Q4_K_M, "F32" for ALL_F32, "IQ4_KS (ik_llama.cpp file
// type 145)" where the name is ik's alone, the bare number where the
// dialect assigns none.
std::string file_type_label(uint64_t file_type, Dialect dialect);

}  // namespace gguf
