#include "quant_mix.h"

#include <array>
#include <vector>

#include <xxhash.h>

namespace fixtures {

gguf::TensorType mixed_type(const gguf::TensorInfo& spec_tensor) {
    using T = gguf::TensorType;
    if (spec_tensor.type != T::F16 || spec_tensor.n_dims < 2) return spec_tensor.type;
    // K types need 256-element rows; the tiny specs' rows are 64 or 128
    // wide, so they appear only once a spec has wider rows.
    static constexpr std::array kCandidates = {T::Q8_0, T::Q5_0, T::BF16, T::Q4_0, T::Q5_1,
                                               T::Q4_1, T::IQ4_NL, T::Q4_K, T::Q6_K};
    std::vector<T> fitting;
    for (T type : kCandidates) {
        const auto traits = gguf::type_traits(static_cast<uint32_t>(type));
        if (spec_tensor.ne[0] % traits->block_size == 0) fitting.push_back(type);
    }
    if (fitting.empty()) return spec_tensor.type;
    const auto& name = spec_tensor.name;
    return fitting[XXH64(name.data(), name.size(), 1) % fitting.size()];
}

}  // namespace fixtures
