// The dispatch that turns a chunk's encoded blocks, uploaded as the file
// holds them, into the floats the quantize shaders read, and raises a flag
// when some value is one they must not see (non-finite, or near the
// subnormal range on devices that flush it), so that the host redoes that
// chunk on the CPU. It owns its descriptor layouts and sets (one per chunk
// slot); the buffers are the quantizer's.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "compute_layout.h"
#include "dequantize_table.h"
#include "gguf/error.h"
#include "vulkan_api.h"

namespace gguf::quant::vk {

struct BufferRange {
    VkBuffer buffer = VK_NULL_HANDLE;
    uint64_t offset = 0;
    uint64_t size = 0;
};

class DequantizePass {
public:
    // Builds (or finds) the pipeline of a shader under a pipeline layout.
    using MakePipeline = std::function<Result<VkPipeline>(const Spirv&, std::array<int32_t, 2>, VkPipelineLayout)>;

    static Result<std::unique_ptr<DequantizePass>> create(VkDevice device, const DeviceFunctions& f, uint32_t slots);
    ~DequantizePass();
    DequantizePass(const DequantizePass&) = delete;
    DequantizePass& operator=(const DequantizePass&) = delete;

    // The largest dispatch: workgroups per dimension of the device.
    void set_limits(uint32_t max_groups) { max_groups_ = max_groups; }

    struct Chunk {
        const DequantizeKernel* kernel = nullptr;
        uint64_t values = 0;    // floats to write
        BufferRange encoded;    // the blocks, at offset 0 of their buffer
        BufferRange floats;     // where the floats go
        BufferRange flag;       // one uint on the device, zeroed here
        BufferRange flag_host;  // where the flag is copied for the host
        bool check_subnormal = false;
    };

    // Records, in `commands` (which slot `slot` owns): clear the flag,
    // dequantize, copy the flag out; barriers make the floats visible to
    // later compute shaders and the flag to later transfers.
    Status record(VkCommandBuffer commands, uint32_t slot, const Chunk& chunk, const MakePipeline& make_pipeline);

private:
    DequantizePass(VkDevice device, const DeviceFunctions& f) : device_(device), f_(f) {}
    VkDevice device_;
    const DeviceFunctions& f_;
    ComputeLayout layout_;
    std::vector<VkDescriptorSet> sets_;
    uint32_t max_groups_ = 65535;
};

}  // namespace gguf::quant::vk
