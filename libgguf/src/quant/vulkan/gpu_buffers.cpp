// A GpuQuantizer's device memory: buffers (one allocation path, counted
// for buffer_counts), the chunk slots' reservations and their bindings,
// and the lattice tables uploaded once.
#include <algorithm>
#include <cstring>

#include "gpu_state.h"

namespace gguf::quant::vk {

void GpuQuantizer::State::release_chunk_buffers(Slot& s) {
    for (DeviceBuffer* b : {&s.host_in, &s.device_in, &s.device_out, &s.host_out, &s.sigma}) b->reset();
}

void GpuQuantizer::State::release_encoded_buffers(Slot& s) {
    for (DeviceBuffer* b : {&s.encoded, &s.flag, &s.flag_host}) b->reset();
}

Result<DeviceBuffer> GpuQuantizer::State::make_buffer(uint64_t size, VkBufferUsageFlags usage, VkMemoryPropertyFlags need, VkMemoryPropertyFlags want,
    bool shared) {
    if (++buffers_attempted == fail_buffer_at) {
        return fail(ErrorCode::io, "", "Vulkan: buffer " + std::to_string(fail_buffer_at) + " not made (DeviceRequest::fail_buffer_at)");
    }
    DeviceBuffer b(device, &f, &live_buffers);
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = size;
    info.usage = usage;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    const uint32_t families[2] = {compute.family, transfer.family};
    if (shared && copy_queue) {
        info.sharingMode = VK_SHARING_MODE_CONCURRENT;
        info.queueFamilyIndexCount = 2;
        info.pQueueFamilyIndices = families;
    }
    VkBuffer made = VK_NULL_HANDLE;
    if (VkResult r = f.vkCreateBuffer(device, &info, nullptr, &made); r != VK_SUCCESS) return vk_fail("vkCreateBuffer", r);
    b.adopt(made);
    b.size = size;
    VkMemoryRequirements req;
    f.vkGetBufferMemoryRequirements(device, b.buffer, &req);
    int chosen = -1;
    for (VkMemoryPropertyFlags flags : {need | want, need}) {
        for (uint32_t i = 0; i < memory.memoryTypeCount && chosen < 0; ++i) {
            if ((req.memoryTypeBits & (1u << i)) && (memory.memoryTypes[i].propertyFlags & flags) == flags) chosen = static_cast<int>(i);
        }
        if (chosen >= 0) break;
    }
    if (chosen < 0) return fail(ErrorCode::unsupported, "", "Vulkan: no memory type fits a quantize buffer");
    VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = static_cast<uint32_t>(chosen);
    VkDeviceMemory allocated = VK_NULL_HANDLE;
    if (VkResult r = f.vkAllocateMemory(device, &alloc, nullptr, &allocated); r != VK_SUCCESS) return vk_fail("vkAllocateMemory", r);
    b.memory = allocated;
    f.vkBindBufferMemory(device, b.buffer, b.memory, 0);
    if (need & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
        void* mapped = nullptr;
        if (VkResult r = f.vkMapMemory(device, b.memory, 0, VK_WHOLE_SIZE, 0, &mapped); r != VK_SUCCESS) return vk_fail("vkMapMemory", r);
        b.mapped = mapped;
    }
    return b;
}

Status GpuQuantizer::State::reserve(uint64_t weights_bytes, uint64_t values_bytes, uint64_t out_bytes, uint64_t rows) {
    auto made = reserve_on(input_path, weights_bytes, values_bytes, out_bytes, rows);
    if (made || input_path != InputPath::host_writes_device) return made;
    // No mappable device memory (or not enough of it): copy instead.
    for (auto& s : slots) release_chunk_buffers(s);
    input_path = InputPath::copy;
    return reserve_on(input_path, weights_bytes, values_bytes, out_bytes, rows);
}

Status GpuQuantizer::State::reserve_on(InputPath path, uint64_t weights_bytes, uint64_t values_bytes, uint64_t out_bytes, uint64_t rows) {
    for (auto& s : slots) {
        // Slots only grow: a model's tensors alternate between row lengths,
        // and remaking four slots' device memory at each change (15 times in
        // a 1 GiB model) costs more than holding the largest chunk so far.
        const bool held = s.host_in.size >= s.weights_bytes + s.values_bytes && s.device_out.size > 0;
        if (held && s.weights_bytes >= weights_bytes && s.values_bytes >= values_bytes && s.device_out.size >= out_bytes && s.sigma.size >= rows * 4) {
            continue;
        }
        if (held) {
            weights_bytes = std::max(weights_bytes, s.weights_bytes);
            values_bytes = std::max(values_bytes, s.values_bytes);
            out_bytes = std::max(out_bytes, s.device_out.size);
            rows = std::max(rows, s.sigma.size / 4);
        }
        const uint64_t in_bytes = weights_bytes + values_bytes;
        release_chunk_buffers(s);
        constexpr auto host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        constexpr auto storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
        const bool shaders_read_host_in = path != InputPath::copy;
        const auto host_in_memory = path == InputPath::host_writes_device ? host | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT : host;
        auto host_in = make_buffer(in_bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | (shaders_read_host_in ? storage : 0), host_in_memory, 0,
                                   shaders_read_host_in);
        auto device_in = make_buffer(in_bytes, storage | VK_BUFFER_USAGE_TRANSFER_DST_BIT, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, true);
        auto device_out = make_buffer(out_bytes, storage | VK_BUFFER_USAGE_TRANSFER_SRC_BIT, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
        auto host_out = make_buffer(out_bytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, host, VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
        auto sigma = make_buffer(std::max<uint64_t>(rows, 1) * 4, storage, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
        for (auto* r : {&host_in, &device_in, &device_out, &host_out, &sigma}) {
            if (!*r) return std::unexpected(r->error());
        }
        s.host_in = std::move(*host_in), s.device_in = std::move(*device_in), s.device_out = std::move(*device_out);
        s.host_out = std::move(*host_out), s.sigma = std::move(*sigma);
        s.weights_bytes = weights_bytes;
        s.values_bytes = values_bytes;
        s.inputs_from_host.reset();
        bind_inputs(s, false);
        const VkDescriptorBufferInfo outputs[2] = {{s.device_out.buffer, 0, out_bytes}, {s.sigma.buffer, 0, s.sigma.size}};
        bind_storage_buffers(device, f, s.set, 2, outputs);
    }
    return {};
}

Status GpuQuantizer::State::reserve_encoded(Slot& s, uint64_t encoded_bytes) {
    if (!dequantize) {
        auto pass = DequantizePass::create(device, f, static_cast<uint32_t>(slots.size()));
        if (!pass) return std::unexpected(pass.error());
        dequantize = std::move(*pass);
        dequantize->set_limits(std::min(limits.maxComputeWorkGroupCount[0], limits.maxComputeWorkGroupCount[1]));
    }
    if (s.encoded.size >= encoded_bytes && s.flag.buffer) return {};
    release_encoded_buffers(s);
    constexpr auto host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    constexpr auto storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    auto encoded = make_buffer(encoded_bytes, storage | VK_BUFFER_USAGE_TRANSFER_DST_BIT, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, true);
    auto flag = make_buffer(4, storage | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    auto flag_host = make_buffer(4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, host, 0);
    for (auto* r : {&encoded, &flag, &flag_host}) {
        if (!*r) return std::unexpected(r->error());
    }
    s.encoded = std::move(*encoded), s.flag = std::move(*flag), s.flag_host = std::move(*flag_host);
    return {};
}

void GpuQuantizer::State::bind_inputs(Slot& s, bool from_host) {
    from_host = from_host && input_path != InputPath::copy;
    if (s.inputs_from_host == from_host) return;
    const bool weights_from_host = from_host && input_path == InputPath::host_writes_device;
    const VkDescriptorBufferInfo infos[2] = {
        {from_host ? s.host_in.buffer : s.device_in.buffer, s.weights_bytes, s.values_bytes},
        {weights_from_host ? s.host_in.buffer : s.device_in.buffer, 0, s.weights_bytes},
    };
    bind_storage_buffers(device, f, s.set, 0, infos);
    s.inputs_from_host = from_host;
}

VkResult GpuQuantizer::State::copy_and_wait(const DeviceBuffer& from, const DeviceBuffer& to) {
    Slot& s = slots[0];
    f.vkResetFences(device, 1, &s.fence);
    begin(f, s.commands);
    const VkBufferCopy copy{0, 0, from.size};
    f.vkCmdCopyBuffer(s.commands, from.buffer, to.buffer, 1, &copy);
    const VkMemoryBarrier visible{VK_STRUCTURE_TYPE_MEMORY_BARRIER, nullptr, VK_ACCESS_TRANSFER_WRITE_BIT, VK_ACCESS_SHADER_READ_BIT};
    f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &visible, 0, nullptr, 0, nullptr);
    f.vkEndCommandBuffer(s.commands);
    const VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO, nullptr, 0, nullptr, nullptr, 1, &s.commands, 0, nullptr};
    const VkResult r = f.vkQueueSubmit(compute.queue, 1, &submit, s.fence);
    return r == VK_SUCCESS ? f.vkWaitForFences(device, 1, &s.fence, VK_TRUE, UINT64_MAX) : r;
}

Status GpuQuantizer::State::bind_lattice(LatticeId id) {
    if (id == LatticeId::none) return {};
    auto it = lattices.find(id);
    if (it == lattices.end()) {
        const auto words = lattice_words(id);
        const uint64_t bytes = words.size() * 4;
        constexpr auto host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        auto staging = make_buffer(bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, host, 0);
        if (!staging) return std::unexpected(staging.error());
        auto table = make_buffer(bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
        if (!table) return std::unexpected(table.error());
        std::memcpy(staging->mapped, words.data(), bytes);
        if (const VkResult r = copy_and_wait(*staging, *table); r != VK_SUCCESS) return vk_fail("uploading a lattice", r);
        it = lattices.emplace(id, std::move(*table)).first;
    }
    const VkDescriptorBufferInfo table{it->second.buffer, 0, it->second.size};
    for (const Slot& s : slots) bind_storage_buffers(device, f, s.set, kLatticeBinding, std::span(&table, 1));
    return {};
}

}  // namespace gguf::quant::vk
