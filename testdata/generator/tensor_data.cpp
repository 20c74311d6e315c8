#include "tensor_data.h"

#include <bit>
#include <cstring>

#include "half.h"
#include "synthetic_quant.h"
#include "tensor_values.h"

namespace fixtures {
namespace {

template <class Word, class Convert>
void store_words(const std::vector<float>& values, std::span<uint8_t> out, Convert convert) {
    for (size_t i = 0; i < values.size(); ++i) {
        const Word word = convert(values[i]);
        std::memcpy(out.data() + i * sizeof(Word), &word, sizeof(Word));  // GGUF is little-endian, as are the hosts we run on
    }
}

// An I32 tensor is an index table (deepseek4's ffn_gate_tid2eid: the
// experts of each token): row r holds r, r+1, ... modulo the row length,
// ids that are distinct within a row and valid for any table whose rows
// are at most as long as what they index.
void store_index_rows(const gguf::TensorInfo& info, std::span<uint8_t> out) {
    const uint64_t row = info.ne[0];
    for (uint64_t i = 0; i < info.n_elements(); ++i) {
        const auto id = static_cast<int32_t>((i / row + i % row) % row);
        std::memcpy(out.data() + i * sizeof id, &id, sizeof id);
    }
}

}  // namespace

gguf::Status encode_tensor(const gguf::TensorInfo& info, std::span<uint8_t> out) {
    using T = gguf::TensorType;
    if (has_synthetic_blocks(info.type)) return fill_synthetic_blocks(info.type, info.name, out);
    if (info.type == T::I32) {
        store_index_rows(info, out);
        return {};
    }
    const std::vector<float> values = tensor_values(info.name, info.n_elements());
    switch (info.type) {
        case T::F32: store_words<uint32_t>(values, out, [](float v) { return std::bit_cast<uint32_t>(v); }); break;
        case T::F16: store_words<uint16_t>(values, out, f32_to_f16); break;
        case T::BF16: store_words<uint16_t>(values, out, f32_to_bf16); break;
        default:
            return gguf::fail(gguf::ErrorCode::invalid_argument, "", info.name + ": fixtures cannot hold this type");
    }
    return {};
}

}  // namespace fixtures
