#include "gguf/quant/quantize_tensor.h"

#include <algorithm>
#include <thread>

#include "../parallel/thread_pool.h"
#include "backend.h"
#include "tensor_chunks.h"

namespace gguf {

// The pool is declared first: both back ends run on it.
class Quantizer : public TensorTransformer {
public:
    explicit Quantizer(unsigned threads) : pool(threads), cpu(quant::make_cpu_backend(pool)) {}
    Status transform(const TransformSource& source, const ByteSink& sink) override;
    Status finish() override { return settle(true); }

    // Takes the accelerator once it is ready (waiting for it with `wait`):
    // dropped if it failed to open and was only a preference, else its error.
    Status settle(bool wait);

    quant::ThreadPool pool;
    std::unique_ptr<quant::Backend> cpu;
    std::unique_ptr<quant::Backend> accelerator;  // asked first; none on the CPU alone
    bool accelerator_optional = false;            // --device auto: the CPU if it fails
    uint64_t before_ready = 0;                    // tensors the CPU quantized whole while the accelerator opened
    uint64_t handed_over = 0;                     // tensors it began, whose rest the accelerator took
};

Status Quantizer::settle(bool wait) {
    if (!accelerator || (!wait && !accelerator->ready())) return {};
    auto opened = accelerator->wait_ready();
    if (!opened && accelerator_optional) {
        accelerator.reset();
        return {};
    }
    return opened;
}

TensorTransformer& as_transformer(Quantizer& quantizer) { return quantizer; }

std::shared_ptr<Quantizer> make_quantizer(unsigned threads) {
    return std::make_shared<Quantizer>(threads ? threads : std::max(1u, std::thread::hardware_concurrency()));
}

Result<std::shared_ptr<Quantizer>> make_quantizer(unsigned threads, std::string_view device, LlamaRelease release,
                                                  std::vector<QuantizeWork> expected) {
    auto quantizer = make_quantizer(threads);
    if (device == "cpu") return quantizer;
    quant::VulkanChoice choice;
    choice.release = release;
    choice.discrete_only = device == "auto";
    if (!choice.discrete_only && device != "vulkan") {
        const std::string_view prefix = "vulkan:";
        const auto digits = device.substr(std::min(prefix.size(), device.size()));
        if (!device.starts_with(prefix) || digits.empty() || digits.size() > 4 ||
            digits.find_first_not_of("0123456789") != std::string_view::npos) {
            return fail(ErrorCode::invalid_argument, "", "unknown device '" + std::string(device) + "' (cpu, auto, vulkan or vulkan:N)");
        }
        choice.index = std::stoi(std::string(digits));
    }
    choice.expected = std::move(expected);
    auto accelerator = quant::open_vulkan_backend(choice, quantizer->pool);
    if (accelerator) {
        quantizer->accelerator = std::move(*accelerator);
        quantizer->accelerator_optional = choice.discrete_only;
    } else if (!choice.discrete_only) {
        return std::unexpected(accelerator.error());
    }
    return quantizer;
}

Status quantizer_settle(Quantizer& quantizer) { return quantizer.settle(true); }

std::string quantizer_device(const Quantizer& quantizer) {
    return (quantizer.accelerator ? quantizer.accelerator : quantizer.cpu)->name();
}

std::string quantizer_activity(const Quantizer& quantizer) {
    if (!quantizer.accelerator) return {};
    std::string line = quantizer.accelerator->activity();
    auto tensors = [](uint64_t n) { return std::to_string(n) + (n == 1 ? " tensor" : " tensors"); };
    if (quantizer.before_ready) line += "; the CPU quantized " + tensors(quantizer.before_ready) + " while the device opened";
    if (quantizer.handed_over) line += "; the CPU began " + tensors(quantizer.handed_over) + " and the device took the rest";
    return line;
}

std::vector<std::string> quantizer_warnings(const Quantizer& quantizer) {
    return quantizer.accelerator ? quantizer.accelerator->warnings() : std::vector<std::string>{};
}

bool quantizer_offloads(const Quantizer& quantizer, TensorType type, bool with_importance, LlamaRelease release, std::string* why) {
    return quantizer.accelerator && quantizer.accelerator->quantizes(type, with_importance, release, why);
}

bool quantizer_reads(const Quantizer& quantizer, TensorType source, std::string* why) {
    return quantizer.accelerator && quantizer.accelerator->reads(source, why);
}

Status Quantizer::transform(const TransformSource& source, const ByteSink& sink) {
    auto tensor = quant::TensorChunks::make(source);
    if (!tensor) return std::unexpected(tensor.error());
    if (auto settled = settle(false); !settled) return settled;
    const bool offloads = accelerator && accelerator->quantizes(source.target, tensor->weighted(), source.release, nullptr);
    if (!offloads) return cpu->run(*tensor, sink);
    if (accelerator->ready()) return accelerator->run(*tensor, sink);
    // The device is still opening: the CPU takes chunks until it is ready,
    // and the device the rest; the bytes are the same either way.
    auto stopped = cpu->run_until(*tensor, sink, [this] { return accelerator->ready(); });
    if (!stopped) return std::unexpected(stopped.error());
    if (*stopped == tensor->rows()) {
        ++before_ready;
        return {};
    }
    tensor->start_at(*stopped);
    if (auto settled = settle(true); !settled) return settled;
    if (!accelerator) return cpu->run(*tensor, sink);  // --device auto, and it failed to open
    if (*stopped > 0) ++handed_over;
    return accelerator->run(*tensor, sink);
}

}  // namespace gguf
