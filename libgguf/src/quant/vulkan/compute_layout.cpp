#include "compute_layout.h"

#include <string>
#include <vector>

namespace gguf::quant::vk {
namespace {

std::unexpected<Error> vk_fail(const char* what, VkResult r) {
    return fail(ErrorCode::io, "", std::string("Vulkan: ") + what + " failed (" + result_name(r) + ")");
}

}  // namespace

Status make_compute_layout(VkDevice device, const DeviceFunctions& f, uint32_t bindings, uint32_t push_bytes, ComputeLayout& out,
                           std::span<VkDescriptorSet> sets) {
    std::vector<VkDescriptorSetLayoutBinding> entries(bindings);
    for (uint32_t i = 0; i < bindings; ++i) entries[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    set_info.bindingCount = bindings;
    set_info.pBindings = entries.data();
    if (VkResult r = f.vkCreateDescriptorSetLayout(device, &set_info, nullptr, &out.set_layout); r != VK_SUCCESS) {
        return vk_fail("vkCreateDescriptorSetLayout", r);
    }
    const VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
    VkPipelineLayoutCreateInfo layout{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    layout.setLayoutCount = 1;
    layout.pSetLayouts = &out.set_layout;
    layout.pushConstantRangeCount = 1;
    layout.pPushConstantRanges = &push;
    if (VkResult r = f.vkCreatePipelineLayout(device, &layout, nullptr, &out.layout); r != VK_SUCCESS) return vk_fail("vkCreatePipelineLayout", r);
    const auto count = static_cast<uint32_t>(sets.size());
    const VkDescriptorPoolSize sizes{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, bindings * count};
    VkDescriptorPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pool_info.maxSets = count;
    pool_info.poolSizeCount = 1;
    pool_info.pPoolSizes = &sizes;
    if (VkResult r = f.vkCreateDescriptorPool(device, &pool_info, nullptr, &out.pool); r != VK_SUCCESS) return vk_fail("vkCreateDescriptorPool", r);
    const std::vector<VkDescriptorSetLayout> layouts(count, out.set_layout);
    VkDescriptorSetAllocateInfo alloc{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    alloc.descriptorPool = out.pool;
    alloc.descriptorSetCount = count;
    alloc.pSetLayouts = layouts.data();
    if (VkResult r = f.vkAllocateDescriptorSets(device, &alloc, sets.data()); r != VK_SUCCESS) return vk_fail("vkAllocateDescriptorSets", r);
    return {};
}

void destroy_compute_layout(VkDevice device, const DeviceFunctions& f, ComputeLayout& layout) {
    if (layout.pool) f.vkDestroyDescriptorPool(device, layout.pool, nullptr);
    if (layout.layout) f.vkDestroyPipelineLayout(device, layout.layout, nullptr);
    if (layout.set_layout) f.vkDestroyDescriptorSetLayout(device, layout.set_layout, nullptr);
    layout = {};
}

void bind_storage_buffers(VkDevice device, const DeviceFunctions& f, VkDescriptorSet set, uint32_t first_binding,
                          std::span<const VkDescriptorBufferInfo> buffers) {
    std::vector<VkWriteDescriptorSet> writes(buffers.size(), VkWriteDescriptorSet{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET});
    for (size_t i = 0; i < buffers.size(); ++i) {
        writes[i].dstSet = set;
        writes[i].dstBinding = first_binding + static_cast<uint32_t>(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &buffers[i];
    }
    f.vkUpdateDescriptorSets(device, static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
}

}  // namespace gguf::quant::vk
