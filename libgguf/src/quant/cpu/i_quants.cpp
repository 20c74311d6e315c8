// The i-quant family: IQ4_NL, IQ4_XS, IQ3_XXS, IQ3_S, IQ2_XXS, IQ2_XS,
// IQ2_S, IQ1_S, IQ1_M. Kernels live in i_quant_iq{4,3,2,1}.cpp; the grids and
// their lookup structures in i_quant_grids / i_quant_lattice.
#include "i_quant_rows.h"
#include "kernels.h"

namespace gguf::quant {

std::span<const Kernels> i_quant_kernels() {
    // requires_importance: exactly ggml_quantize_requires_imatrix (IQ1_M
    // quantizes without weights there, IQ1_S, IQ2_XXS and IQ2_XS do not).
    static constexpr Kernels table[] = {
        {TensorType::IQ4_NL, iq::quantize_iq4_nl, iq::dequantize_iq4_nl, false},
        {TensorType::IQ4_XS, iq::quantize_iq4_xs, iq::dequantize_iq4_xs, false},
        {TensorType::IQ3_XXS, iq::quantize_iq3_xxs, iq::dequantize_iq3_xxs, false},
        {TensorType::IQ3_S, iq::quantize_iq3_s, iq::dequantize_iq3_s, false},
        {TensorType::IQ2_XXS, iq::quantize_iq2_xxs, iq::dequantize_iq2_xxs, true},
        {TensorType::IQ2_XS, iq::quantize_iq2_xs, iq::dequantize_iq2_xs, true},
        {TensorType::IQ2_S, iq::quantize_iq2_s, iq::dequantize_iq2_s, false},
        {TensorType::IQ1_S, iq::quantize_iq1_s, iq::dequantize_iq1_s, true},
        {TensorType::IQ1_M, iq::quantize_iq1_m, iq::dequantize_iq1_m, false},
    };
    return table;
}

QuantizeRow iq1_m_quantizer(Iq1mSplitScore score) {
    return score == Iq1mSplitScore::full_sums ? iq::quantize_iq1_m_full_sums : iq::quantize_iq1_m;
}

}  // namespace gguf::quant
