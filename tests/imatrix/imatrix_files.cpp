#include "imatrix_files.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <random>

#include "gguf/mtp/mtp.h"
#include "gguf/quant/quantize_plan.h"

namespace imatrix_test {

gguf::PlannedTensor f32_tensor(const std::string& name, uint64_t ne0, uint64_t ne1, std::vector<float> values) {
    gguf::TensorInfo info;
    info.name = name;
    info.type = gguf::TensorType::F32;
    info.n_dims = ne1 > 1 ? 2 : 1;  // ggml writes the dimensions up to the last one above 1
    info.ne = {ne0, ne1, 1, 1};
    info.n_bytes = ne0 * ne1 * 4;
    return {info, gguf::FillSource([values](std::span<uint8_t> out) -> gguf::Status {
                std::memcpy(out.data(), values.data(), out.size());
                return {};
            })};
}

gguf::Plan gguf_imatrix_plan(const std::vector<GgufEntry>& entries, const std::vector<std::string>& datasets, uint32_t chunk_count,
                             uint32_t chunk_size) {
    gguf::Plan p;
    p.metadata.append("general.type", gguf::Value::string("imatrix"));
    p.metadata.append("imatrix.datasets", gguf::Value::string_array(datasets));
    p.metadata.append("imatrix.chunk_count", gguf::Value::u32(chunk_count));
    p.metadata.append("imatrix.chunk_size", gguf::Value::u32(chunk_size));
    for (const auto& e : entries) {
        p.tensors.push_back(f32_tensor(e.name + ".in_sum2", e.row, e.counts.size(), e.sums));
        p.tensors.push_back(f32_tensor(e.name + ".counts", 1, e.counts.size(), e.counts));
    }
    return p;
}

std::vector<uint8_t> legacy_bytes(const std::vector<std::tuple<std::string, int32_t, std::vector<float>>>& entries, int32_t chunks,
                                  const std::string& dataset) {
    std::vector<uint8_t> out;
    auto put = [&](const void* p, size_t n) { out.insert(out.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); };
    const int32_t n = static_cast<int32_t>(entries.size());
    put(&n, 4);
    for (const auto& [name, ncall, values] : entries) {
        const int32_t len = static_cast<int32_t>(name.size()), nval = static_cast<int32_t>(values.size());
        put(&len, 4);
        put(name.data(), name.size());
        put(&ncall, 4);
        put(&nval, 4);
        put(values.data(), values.size() * 4);
    }
    put(&chunks, 4);
    const int32_t len = static_cast<int32_t>(dataset.size());
    put(&len, 4);
    put(dataset.data(), dataset.size());
    return out;
}

gguf::Imatrix random_imatrix(uint32_t seed) {
    std::mt19937 rng(seed);
    gguf::Imatrix m;
    m.has_metadata = true;
    m.chunk_size = std::uniform_int_distribution<int32_t>(0, 1)(rng) ? 512 : 300 + static_cast<int32_t>(seed);
    m.chunk_count = 1 + seed % 50;
    m.datasets = {"wiki-" + std::to_string(seed) + ".txt"};
    auto value = [&] {
        // Squared activations span many magnitudes; zero happens too.
        const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
        if (kind == 0) return 0.0f;
        return std::ldexp(std::uniform_real_distribution<float>(1.0f, 2.0f)(rng), std::uniform_int_distribution<int>(-40, 40)(rng));
    };
    for (int t = 0; t < 12; ++t) {
        const size_t experts = t % 3 == 0 ? 6 : 1;
        const size_t row = 16 * (1 + t % 4);
        gguf::ImatrixEntry e;
        for (size_t j = 0; j < experts; ++j) {
            const bool routed = experts == 1 || std::uniform_int_distribution<int>(0, 3)(rng) != 0;
            const int64_t count = routed ? std::uniform_int_distribution<int64_t>(1, 200000)(rng) : 0;
            e.counts.push_back(count);
            for (size_t i = 0; i < row; ++i) e.sums.push_back(routed ? value() : 0.0f);
        }
        m.entries.emplace("blk." + std::to_string(t) + ".ffn_up.weight", std::move(e));
    }
    m.entries.emplace("blk.99.nextn.eh_proj.weight", gguf::ImatrixEntry{std::vector<float>(32, 0.0f), {0}});  // never reached
    return m;
}

std::map<std::string, std::vector<uint32_t>> weight_bits(const gguf::Imatrix& m) {
    std::map<std::string, std::vector<uint32_t>> out;
    for (const auto& [name, e] : m.entries) {
        for (float w : m.weights(name)) out[name].push_back(std::bit_cast<uint32_t>(w));
    }
    return out;
}

std::vector<GgufEntry> entries_for(const gguf::Model& model, const std::function<bool(const gguf::TensorInfo&)>& wanted) {
    std::vector<GgufEntry> out;
    std::mt19937 rng(7);
    for (auto ref : model.tensors()) {
        const auto& t = model.info(ref);
        if (!gguf::tensor_allows_quantization(t) || !wanted(t)) continue;
        const uint64_t experts = std::max<uint64_t>(t.ne[2], 1);
        GgufEntry e{t.name, t.ne[0], {}, {}};
        for (uint64_t j = 0; j < experts; ++j) {
            const bool routed = experts == 1 || j != 1;
            e.counts.push_back(routed ? static_cast<float>(512 * (1 + j % 5)) : 0.0f);
            for (uint64_t i = 0; i < t.ne[0]; ++i) e.sums.push_back(routed ? std::uniform_real_distribution<float>(0.0f, 900.0f)(rng) : 0.0f);
        }
        out.push_back(std::move(e));
    }
    std::ranges::sort(out, {}, &GgufEntry::name);  // llama-imatrix's order
    return out;
}

gguf::Plan trunk_imatrix_plan(const gguf::Model& model, int64_t n_layer) {
    auto in_trunk = [&](const gguf::TensorInfo& t) { return gguf::block_number(t.name) < n_layer; };
    return gguf_imatrix_plan(entries_for(model, in_trunk), {"calib.txt"}, 4, 512);
}

}  // namespace imatrix_test
