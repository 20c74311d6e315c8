#include "quant_mix.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <vector>

#include <xxhash.h>

namespace fixtures {

gguf::TensorType mixed_type(const gguf::TensorInfo& spec_tensor) {
    using T = gguf::TensorType;
    if (spec_tensor.type != T::F16 || spec_tensor.n_dims < 2) return spec_tensor.type;
    // Rows of 256 elements take the super-block types (K-quants, IQ4_XS)
    // only, so that a spec with such rows (glm4moe-wide) carries them all;
    // narrower rows take the 32-element types and BF16. The tiny specs' rows
    // are 32 to 128 wide, so their mix does not depend on the first list.
    static constexpr std::array kSuperBlock = {T::Q2_K, T::Q3_K, T::Q4_K, T::Q5_K, T::Q6_K, T::IQ4_XS};
    static constexpr std::array kSmallBlock = {T::Q8_0, T::Q5_0, T::BF16, T::Q4_0, T::Q5_1, T::Q4_1, T::IQ4_NL};
    std::vector<T> fitting;
    const auto fits = [&](T type) { return spec_tensor.ne[0] % gguf::type_traits(static_cast<uint32_t>(type))->block_size == 0; };
    if (spec_tensor.ne[0] % 256 == 0) std::ranges::copy_if(kSuperBlock, std::back_inserter(fitting), fits);
    else std::ranges::copy_if(kSmallBlock, std::back_inserter(fitting), fits);
    if (fitting.empty()) return spec_tensor.type;
    const auto& name = spec_tensor.name;
    return fitting[XXH64(name.data(), name.size(), 1) % fitting.size()];
}

}  // namespace fixtures
