// The layouts a family of compute shaders binds: storage buffers 0..n-1 of
// set 0, a block of push constants, and a pool with one descriptor set per
// chunk slot. The quantize shaders and the dequantize pass each have one.
#pragma once

#include <cstdint>
#include <span>

#include "gguf/error.h"
#include "vulkan_api.h"

namespace gguf::quant::vk {

struct ComputeLayout {
    VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkDescriptorPool pool = VK_NULL_HANDLE;
};

// Creates `out`'s handles and fills `sets`; on failure the handles made so
// far are in `out`, for the owner to destroy.
Status make_compute_layout(VkDevice device, const DeviceFunctions& f, uint32_t bindings, uint32_t push_bytes, ComputeLayout& out,
                           std::span<VkDescriptorSet> sets);

void destroy_compute_layout(VkDevice device, const DeviceFunctions& f, ComputeLayout& layout);

// Points storage buffer bindings first_binding, first_binding + 1, ... of
// `set` at `buffers`. The set must not be in use by pending commands.
void bind_storage_buffers(VkDevice device, const DeviceFunctions& f, VkDescriptorSet set, uint32_t first_binding,
                          std::span<const VkDescriptorBufferInfo> buffers);

}  // namespace gguf::quant::vk
