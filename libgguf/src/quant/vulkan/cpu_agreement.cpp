// GpuQuantizer::agrees_with_cpu and reads_as_cpu: the device's bytes (or
// floats) for a fixed sample against the CPU core's. The tests prove each shader on lavapipe; this
// proves it on the driver that will run it, whose compiler may not agree.
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "gguf/quant/cpu/quantize.h"
#include "gpu_state.h"

namespace gguf::quant::vk {
namespace {

constexpr uint64_t kSampleRowLength = 1024;  // whole super-blocks of every type
constexpr uint64_t kSampleRows = 8;

// Gaussian rows, each at its own magnitude (1e-3 to 1e3, none near the
// subnormal range that some devices flush), and positive importance weights.
struct Sample {
    std::vector<float> values, importance;
};

Sample make_sample() {
    Sample s{std::vector<float>(kSampleRows * kSampleRowLength), std::vector<float>(kSampleRowLength)};
    std::mt19937 rng(20261206);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(0.05f, 4.0f);
    for (uint64_t r = 0; r < kSampleRows; ++r) {
        const float magnitude = std::pow(10.0f, -3.0f + 6.0f * static_cast<float>(r) / (kSampleRows - 1));
        for (uint64_t i = 0; i < kSampleRowLength; ++i) s.values[r * kSampleRowLength + i] = magnitude * normal(rng);
    }
    for (auto& w : s.importance) w = uniform(rng);
    return s;
}

// The CPU core's bytes of `type` for the sample's rows.
Result<std::vector<uint8_t>> cpu_bytes(TensorType type, const Sample& sample, std::span<const float> importance, LlamaRelease release) {
    const auto row_bytes = gguf::row_bytes(type, kSampleRowLength);
    if (!row_bytes) return std::unexpected(row_bytes.error());
    std::vector<uint8_t> bytes(kSampleRows * *row_bytes);
    if (auto s = quantize_rows(type, sample.values, kSampleRowLength, importance, bytes, release); !s) return std::unexpected(s.error());
    return bytes;
}

// `known[key]`, checked the first time it is asked for.
template <class Key, class Check>
Result<bool> remembered(std::map<Key, bool>& known, const Key& key, const Check& check) {
    if (const auto found = known.find(key); found != known.end()) return found->second;
    const Result<bool> agrees = check();
    if (agrees) known.emplace(key, *agrees);
    return agrees;
}

}  // namespace

Result<bool> GpuQuantizer::agrees_with_cpu(TensorType type, bool weighted) {
    return remembered(state_->agreement, std::pair{type, weighted}, [&]() -> Result<bool> {
        const Sample sample = make_sample();
        const std::span<const float> importance = weighted ? std::span<const float>(sample.importance) : std::span<const float>{};
        auto on_cpu = cpu_bytes(type, sample, importance, state_->llama_release);
        if (!on_cpu) return std::unexpected(on_cpu.error());
        std::vector<uint8_t> on_device(on_cpu->size());
        if (auto s = quantize(type, sample.values, kSampleRowLength, importance, on_device); !s) return std::unexpected(s.error());
        return on_device == *on_cpu;
    });
}

Result<bool> GpuQuantizer::reads_as_cpu(TensorType source) {
    return remembered(state_->read_agreement, source, [&]() -> Result<bool> {
        const Sample sample = make_sample();
        auto blocks = cpu_bytes(source, sample, {}, state_->llama_release);
        if (!blocks) return std::unexpected(blocks.error());
        std::vector<float> on_device(sample.values.size()), on_cpu(sample.values.size());
        if (auto s = dequantize(source, *blocks, kSampleRowLength, on_device); !s) return std::unexpected(s.error());
        if (auto s = dequantize_rows(source, *blocks, kSampleRowLength, on_cpu); !s) return std::unexpected(s.error());
        return std::memcmp(on_device.data(), on_cpu.data(), on_cpu.size() * sizeof(float)) == 0;
    });
}

}  // namespace gguf::quant::vk
