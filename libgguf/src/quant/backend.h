// Where a quantizer's kernels run. The CPU back end runs every type; an
// accelerator (Vulkan) runs the types it has shaders for and is asked first.
// A back end quantizes a whole tensor, chunk by chunk, so it can overlap
// reading one chunk with computing another as suits its hardware.
//
// Not thread-safe: a back end runs one tensor at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gguf/compat/llama_release.h"
#include "gguf/error.h"
#include "gguf/format/tensor_type.h"
#include "gguf/plan/plan.h"
#include "gguf/quant/quantize_tensor.h"

namespace gguf::quant {

class TensorChunks;
class ThreadPool;

class Backend {
public:
    virtual ~Backend() = default;

    // For messages: "CPU (16 threads)" or the GPU's name. An accelerator
    // still opening is waited for: only the device it chose knows its name.
    virtual std::string name() const = 0;

    // Whether tensors of `target` quantize here as `release`'s ggml does,
    // with importance weights or without; where not, *why says so.
    virtual bool quantizes(TensorType target, bool weighted, LlamaRelease release, std::string* why) const = 0;

    // Whether rows stored as `source` reach the back end as they are and
    // turn into floats there; where not, *why says so.
    virtual bool reads(TensorType source, std::string* why) const = 0;

    // Whether run() would start at once. An accelerator still opening is
    // not ready: a tensor is better quantized elsewhere than waited for.
    virtual bool ready() const { return true; }

    // Waits until the back end is ready; the error that kept it from being so.
    virtual Status wait_ready() { return {}; }

    // Quantizes every chunk of `tensor` (re-cutting them if it prefers
    // other sizes), handing the bytes to `sink` in order.
    virtual Status run(TensorChunks& tensor, const ByteSink& sink) = 0;

    // The same, but asks `stop` between chunks and, where it says so, leaves
    // the rest: returns the row where the chunks left start (the tensor's
    // row count when none are left), for another back end to take on.
    virtual Result<uint64_t> run_until(TensorChunks& tensor, const ByteSink& sink, const std::function<bool()>& stop);

    // Where the back end's time went over every run() so far, in words for
    // --verbose; empty where it keeps no account.
    virtual std::string activity() const { return {}; }

    // What a user should hear even without --verbose: work the back end
    // passed on to the CPU, and why. One line each.
    virtual std::vector<std::string> warnings() const { return {}; }
};

// Every type on the threads of `pool`, which must outlive the back end.
std::unique_ptr<Backend> make_cpu_backend(ThreadPool& pool);

// Which Vulkan device to open: `index` (-1: the best one), and with
// `discrete_only` a discrete GPU or none.
struct VulkanChoice {
    bool discrete_only = false;
    int index = -1;
    LlamaRelease release = kNewestRelease;  // whose bytes its shaders give
    std::optional<TensorType> garbled_type;  // tests: vk::DeviceRequest::garbled_type
    std::vector<QuantizeWork> expected;      // prepared while the device opens (make_quantizer)
};

// A Vulkan device as a back end; its host work (reading, converting,
// chunks it must not quantize) runs on `pool`, which must outlive it. An
// error only where this build has no Vulkan: the device is chosen, opened
// and prepared for choice.expected on a thread of its own after this
// returns, and wait_ready() gives the error where there is no such device
// (see Backend::ready).
Result<std::unique_ptr<Backend>> open_vulkan_backend(const VulkanChoice& choice, ThreadPool& pool);

}  // namespace gguf::quant
