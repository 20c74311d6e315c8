// A Vulkan device as a quantize back end: chunks stream through the
// GpuQuantizer while the pool's threads fill the next ones. Chunks the
// device must not quantize (non-finite values; values near the subnormal
// range on a device that flushes them) are quantized on the CPU instead.
// The device is chosen and opened on a thread of its own: tenths of a
// second on an H100 (the driver loading, then the device being created),
// which the CPU spends quantizing the first tensors instead of waiting.
// That thread also prepares the kinds of tensor the run expects (each
// type's pipelines made, its check sample run, the chunk buffers sized for
// the longest rows), so no tensor on the device waits for a shader to
// compile or for device memory.
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../parallel/thread_pool.h"
#include "gguf/quant/cpu/quantize.h"
#include "../backend.h"
#include "../tensor_chunks.h"
#include "gpu_quantizer.h"

namespace gguf::quant {
namespace {

// What the opening thread spent: opening the device, then preparing kinds
// of work (prepare).
struct Opening {
    double open_s = 0;
    uint64_t kinds = 0;
    double prepare_s = 0;
};

// A type run without the importance weights it needs is not checked: its
// tensor fails on its own, with an error that names it.
bool checked_before_use(TensorType target, bool weighted) { return weighted || !requires_importance(target); }

// Rows stored as `source` go to the device as blocks, to be read into floats
// there (F32 rows go as they are anyway).
bool read_on_device(TensorType source) { return source != TensorType::F32 && vk::GpuQuantizer::dequantizes(source); }

// Each kind of work's first use, for the checks' answers to be remembered
// (pipelines made, check samples run), and the chunk buffers every kind
// needs. Errors are left for the tensor that meets them again
// (VulkanBackend::run), which names it.
// Returns how many types were checked.
uint64_t prepare(vk::GpuQuantizer& gpu, const std::vector<QuantizeWork>& expected, LlamaRelease release) {
    std::set<std::pair<TensorType, bool>> checked;
    std::vector<vk::GpuQuantizer::StreamShape> shapes;
    for (const auto& work : expected) {
        bool on_device = vk::GpuQuantizer::supports(work.to, work.weighted, release);
        if (on_device && checked_before_use(work.to, work.weighted)) {
            const auto agrees = gpu.agrees_with_cpu(work.to, work.weighted);
            if (agrees) checked.emplace(work.to, work.weighted);
            on_device = agrees.value_or(false);
        }
        const bool stored = read_on_device(work.from) && gpu.reads_as_cpu(work.from).value_or(false);
        if (on_device && work.row_length) shapes.push_back({work.to, work.row_length, stored ? std::optional(work.from) : std::nullopt});
    }
    (void)gpu.reserve(shapes);
    return checked.size();
}

// The opening thread's work; `spent` says how long each part took.
Result<std::unique_ptr<vk::GpuQuantizer>> open_and_prepare(const vk::DeviceRequest& request, const std::vector<QuantizeWork>& expected,
                                                           Opening& spent) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto gpu = vk::GpuQuantizer::open(request);
    const auto opened = Clock::now();
    spent.open_s = std::chrono::duration<double>(opened - start).count();
    if (gpu) {
        spent.kinds = prepare(**gpu, expected, request.release);
        spent.prepare_s = std::chrono::duration<double>(Clock::now() - opened).count();
    }
    return gpu;
}

class VulkanBackend : public Backend {
public:
    VulkanBackend(const vk::DeviceRequest& request, std::vector<QuantizeWork> expected, ThreadPool& pool)
        : release_(request.release),
          opening_(std::async(std::launch::async,
                              [this, request, expected = std::move(expected)] { return open_and_prepare(request, expected, opening_spent_); })
                       .share()),
          pool_(pool),
          cpu_(make_cpu_backend(pool)) {}

    // Only the chosen device knows its name, so this waits for the opening.
    std::string name() const override {
        const auto& opened = opening_.get();
        return opened ? (*opened)->device_name() : "a Vulkan device that failed to open (" + opened.error().message + ")";
    }

    bool quantizes(TensorType target, bool weighted, LlamaRelease release, std::string* why) const override {
        if (release_ == release && vk::GpuQuantizer::supports(target, weighted, release)) return true;
        if (why) {
            *why = release_ != release ? "the Vulkan device was opened for llama.cpp " + std::string(rules_of(release_).name) + ", not " +
                                             std::string(rules_of(release).name)
                                       : std::string(type_display_name(target)) + " has no Vulkan shader yet";
        }
        return false;
    }

    bool reads(TensorType source, std::string* why) const override {
        if (read_on_device(source)) return true;
        if (why && source != TensorType::F32) *why = std::string(type_display_name(source)) + " has no Vulkan dequantize shader yet";
        return false;
    }

    bool ready() const override { return opening_.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }

    Status wait_ready() override {
        const auto& opened = opening_.get();
        if (!opened) return std::unexpected(opened.error());
        return {};
    }

    Status run(TensorChunks& tensor, const ByteSink& sink) override;

    std::string activity() const override;

    std::vector<std::string> warnings() const override {
        std::vector<std::string> lines;
        auto tensors = [](uint64_t n) { return std::to_string(n) + (n == 1 ? " tensor was" : " tensors were"); };
        for (const auto& [type, count] : on_cpu_) {
            lines.push_back(name() + " gave " + std::string(type_display_name(type)) + " bytes unlike the CPU core's on a check sample; its " +
                            tensors(count) + " quantized on the CPU");
        }
        for (const auto& [type, count] : read_on_cpu_) {
            lines.push_back(name() + " read " + std::string(type_display_name(type)) + " blocks into floats unlike the CPU core on a check sample; " +
                            tensors(count) + " read into floats on the CPU");
        }
        return lines;
    }

private:
    // Once wait_ready() has succeeded.
    vk::GpuQuantizer& gpu() { return **opening_.get(); }

    LlamaRelease release_;
    // Written by the opening thread, read once opening_ is ready; declared
    // first, so it is there before that thread starts and after it ends.
    Opening opening_spent_;
    // The device, or why it failed to open, where the opening thread left
    // it. The last copy of a future from std::async waits for that thread
    // when destroyed: no opening outlives the back end.
    std::shared_future<Result<std::unique_ptr<vk::GpuQuantizer>>> opening_;
    ThreadPool& pool_;
    // Tensors whose type's shader disagreed with the CPU core on this device
    // (GpuQuantizer::agrees_with_cpu): the CPU quantizes them.
    std::unique_ptr<Backend> cpu_;
    std::map<TensorType, uint64_t> on_cpu_;
    // Tensors stored as a type whose dequantize shader disagreed
    // (GpuQuantizer::reads_as_cpu): the CPU reads them into floats.
    std::map<TensorType, uint64_t> read_on_cpu_;
    uint64_t tensors_ = 0;
    vk::StreamProfile total_;  // summed over every run
};

std::string VulkanBackend::activity() const {
    std::string text = name();
    char line[400];
    std::snprintf(line, sizeof line, "; the device opened in %.2f s", opening_spent_.open_s);
    std::string opening = line;
    if (opening_spent_.kinds) {
        std::snprintf(line, sizeof line, " and prepared %llu type%s in %.2f s", static_cast<unsigned long long>(opening_spent_.kinds),
                      opening_spent_.kinds == 1 ? "" : "s", opening_spent_.prepare_s);
        opening += line;
    }
    if (tensors_ == 0) return text + ": no tensors" + opening;
    std::snprintf(line, sizeof line,
                  ": %llu tensor%s, %llu chunks in %.2f s; host filling %.2f s, waiting %.2f s; writing beside it %.2f s; "
                  "device uploading %.2f s, computing %.2f s",
                  static_cast<unsigned long long>(tensors_), tensors_ == 1 ? "" : "s", static_cast<unsigned long long>(total_.chunks), total_.wall_s,
                  total_.fill_s, total_.wait_s, total_.consume_s, total_.upload_s, total_.compute_s);
    return text + line + opening;
}

Status VulkanBackend::run(TensorChunks& tensor, const ByteSink& sink) {
    if (auto opened = wait_ready(); !opened) return opened;
    const TensorType target = tensor.source().target;
    if (checked_before_use(target, tensor.weighted())) {
        const auto agrees = gpu().agrees_with_cpu(target, tensor.weighted());
        if (!agrees) return std::unexpected(agrees.error());
        if (!*agrees) {
            ++on_cpu_[target];
            return cpu_->run(tensor, sink);
        }
    }
    const uint64_t row_length = tensor.row_length();
    tensor.cut(std::min(tensor.chunk_rows(), gpu().preferred_chunk_rows(target, row_length)));
    const auto& chunks = tensor.chunks();
    const bool flushes = !gpu().keeps_subnormals();
    bool reads_stored = read_on_device(tensor.info().type);
    if (reads_stored) {
        const auto agrees = gpu().reads_as_cpu(tensor.info().type);
        if (!agrees) return std::unexpected(agrees.error());
        if (!*agrees) {
            ++read_on_cpu_[tensor.info().type];
            reads_stored = false;
        }
    }
    // Chunk k on the CPU, read from the file again (staging memory may be
    // slow to read back).
    auto redo_on_cpu = [&](uint64_t k, std::span<uint8_t> bytes) -> Status {
        const ChunkRange& c = chunks[k];
        std::vector<float> floats(c.rows * row_length);
        auto loaded = tensor.load(pool_, c, floats, false, false);  // the CPU path's error for non-finite rows
        if (!loaded) return std::unexpected(loaded.error());
        return tensor.quantize_on_cpu(pool_, c, floats, bytes);
    };
    auto produce = [&](uint64_t k, std::span<float> values, std::span<uint8_t> bytes) -> Result<vk::ChunkShape> {
        const ChunkRange& c = chunks[k];
        const auto weights = tensor.weights_for(c);
        // Blocks the device turns into floats go up as the file holds them
        // (fewer bytes than floats); the device flags chunks whose values it
        // must not quantize, and redo_on_cpu takes them.
        if (reads_stored && (!flushes || !near_subnormal(weights))) {
            auto read = tensor.read_stored(pool_, c, std::span(reinterpret_cast<uint8_t*>(values.data()), c.rows * tensor.in_row_bytes()));
            if (!read) return std::unexpected(read.error());
            return vk::ChunkShape{c.rows, weights, false, tensor.info().type};
        }
        auto loaded = tensor.load(pool_, c, values.first(c.rows * row_length), flushes, true);
        if (!loaded) return std::unexpected(loaded.error());
        const bool on_cpu = !loaded->finite || (flushes && (loaded->near_subnormal || near_subnormal(weights)));
        if (on_cpu) {
            auto status = redo_on_cpu(k, bytes.first(c.rows * tensor.out_row_bytes()));
            if (!status) return std::unexpected(status.error());
        }
        return vk::ChunkShape{c.rows, weights, on_cpu};
    };
    auto streamed = gpu().stream(
        target, row_length, tensor.chunk_rows(), chunks.size(), produce, [&](uint64_t, std::span<const uint8_t> bytes) { return sink(bytes); },
        redo_on_cpu);
    const vk::StreamProfile& p = gpu().last_profile();
    ++tensors_;
    total_.chunks += p.chunks;
    for (auto [sum, part] : {std::pair{&total_.fill_s, p.fill_s}, {&total_.wait_s, p.wait_s}, {&total_.consume_s, p.consume_s},
                             {&total_.upload_s, p.upload_s}, {&total_.compute_s, p.compute_s}, {&total_.wall_s, p.wall_s}}) {
        *sum += part;
    }
    return streamed;
}

}  // namespace

Result<std::unique_ptr<Backend>> open_vulkan_backend(const VulkanChoice& choice, ThreadPool& pool) {
    vk::DeviceRequest request;
    request.discrete_only = choice.discrete_only;
    request.index = choice.index;
    request.release = choice.release;
    request.garbled_type = choice.garbled_type;
    return std::make_unique<VulkanBackend>(request, choice.expected, pool);
}

}  // namespace gguf::quant
