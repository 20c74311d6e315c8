// Quantization plans as llama-quantize makes them.
//
// Presets are llama-quantize's names (Q4_K_M, IQ2_XXS, ...): each sets
// general.file_type and the default tensor type. In pure mode (--pure) every
// tensor llama-quantize would quantize gets the default type (or its
// fallback when the row length does not fit the type's blocks); the other
// tensors, and tensors already of the target type, are copied unchanged.
// As in llama-quantize, a tensor that would become one of the very-low-bit
// types (IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS; Q2_K in Q2_K_S) without
// importance data is refused, token_embd and output excepted.
// Tensors come in llama-quantize's order (block number, then name), keys as it
// writes them: the input's, split keys removed, general.quantization_version
// and general.file_type moved to the end.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/error.h"
#include "gguf/imatrix.h"
#include "gguf/model.h"
#include "gguf/plan.h"
#include "gguf/quantize_tensor.h"

namespace gguf {

struct QuantPreset {
    std::string_view name;     // "Q4_K_M"
    uint32_t file_type;        // llama_ftype
    TensorType default_type;   // what most tensors become
};

std::span<const QuantPreset> quant_presets();
const QuantPreset* find_preset(std::string_view name);  // case-insensitive

// llama-quantize's rule for which tensors it quantizes at all (2+ dims,
// a ".weight" name, not a norm, not one of the tensors it keeps exact).
bool tensor_allows_quantization(const TensorInfo& tensor);

// The type a tensor of this shape gets when `target` does not divide its
// rows into whole blocks (llama-quantize's fallback), or `target`.
TensorType fallback_type(const TensorInfo& tensor, TensorType target);

struct PureQuantizeOptions {
    const QuantPreset* preset = nullptr;
    const Imatrix* imatrix = nullptr;   // optional
    std::string imatrix_path;           // recorded in quantize.imatrix.file
    bool allow_requantize = false;      // dequantize already-quantized inputs
    bool allow_non_finite = false;
};

struct PlannedQuantization {
    std::string tensor;
    TensorType from;
    TensorType to;
    bool with_importance;
};

struct QuantizePlan {
    Plan plan;
    std::vector<PlannedQuantization> tensors;  // what each tensor becomes
};

Result<QuantizePlan> plan_quantize_pure(const Model& model, const PureQuantizeOptions& options,
                                        std::shared_ptr<Quantizer> quantizer);

}  // namespace gguf
