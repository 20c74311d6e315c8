// GpuQuantizer::agrees_with_cpu and reads_as_cpu: the device's bytes (or
// floats) for a fixed sample against the CPU core's. The tests prove each shader on lavapipe; this
// proves it on the driver that will run it, whose compiler may not agree.
#include <cmath>
#include <cstring>
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

}  // namespace

Result<bool> GpuQuantizer::agrees_with_cpu(TensorType type, bool weighted) {
    const auto key = std::pair{type, weighted};
    if (const auto known = state_->agreement.find(key); known != state_->agreement.end()) return known->second;
    const auto row_bytes = gguf::row_bytes(type, kSampleRowLength);
    if (!row_bytes) return std::unexpected(row_bytes.error());
    const Sample sample = make_sample();
    const std::span<const float> importance = weighted ? std::span<const float>(sample.importance) : std::span<const float>{};
    std::vector<uint8_t> on_device(kSampleRows * *row_bytes), on_cpu(on_device.size());
    if (auto s = quantize(type, sample.values, kSampleRowLength, importance, on_device); !s) return std::unexpected(s.error());
    if (auto s = quantize_rows(type, sample.values, kSampleRowLength, importance, on_cpu, state_->llama_release); !s) {
        return std::unexpected(s.error());
    }
    const bool agrees = on_device == on_cpu;
    state_->agreement.emplace(key, agrees);
    return agrees;
}

Result<bool> GpuQuantizer::reads_as_cpu(TensorType source) {
    if (const auto known = state_->read_agreement.find(source); known != state_->read_agreement.end()) return known->second;
    const auto row_bytes = gguf::row_bytes(source, kSampleRowLength);
    if (!row_bytes) return std::unexpected(row_bytes.error());
    const Sample sample = make_sample();
    std::vector<uint8_t> blocks(kSampleRows * *row_bytes);
    if (auto s = quantize_rows(source, sample.values, kSampleRowLength, {}, blocks, state_->llama_release); !s) return std::unexpected(s.error());
    std::vector<float> on_device(sample.values.size()), on_cpu(sample.values.size());
    if (auto s = dequantize(source, blocks, kSampleRowLength, on_device); !s) return std::unexpected(s.error());
    if (auto s = dequantize_rows(source, blocks, kSampleRowLength, on_cpu); !s) return std::unexpected(s.error());
    const bool agrees = std::memcmp(on_device.data(), on_cpu.data(), on_cpu.size() * sizeof(float)) == 0;
    state_->read_agreement.emplace(source, agrees);
    return agrees;
}

}  // namespace gguf::quant::vk
