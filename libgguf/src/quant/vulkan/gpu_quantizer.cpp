#include "gpu_quantizer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "../../parallel/thread_pool.h"
#include "gguf/quant/cpu/quantize.h"
#include "lattice_tables.h"
#include "compute_layout.h"
#include "dequantize_pass.h"
#include "device_buffer.h"
#include "shader_table.h"
#include "vulkan_api.h"

namespace gguf::quant::vk {
namespace {

constexpr uint32_t kWorkgroup = 64;  // local_size_x of every shader
constexpr uint32_t kBindings = 4;    // values, weights, bytes, row statistics
// Chunks in flight: filled by the host, uploading, quantizing, read back.
constexpr uint32_t kSlots = 4;
// Timestamps per slot: upload begin and end, compute begin and end.
constexpr uint32_t kStamps = 4;
// f32 input per chunk that keeps a large GPU busy while the next uploads.
constexpr uint64_t kPreferredChunkBytes = 8ull << 20;

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
// Then, shared by every slot: the lattice of the IQ1/IQ2/IQ3 shaders.
constexpr uint32_t kLatticeBinding = kBindings;

struct PushConstants {
    uint32_t units, units_per_row, row_length, weighted;
};

std::unexpected<Error> vk_fail(const char* what, VkResult r) {
    return fail(ErrorCode::io, "", std::string("Vulkan: ") + what + " failed (" + result_name(r) + ")");
}

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Copies `rows` rows of `row_bytes` between host and staging memory, split
// across the pool's threads when there is one: one thread's copy does not
// reach the memory bandwidth a GPU takes in.
void copy_rows(ThreadPool* pool, void* to, const void* from, uint64_t rows, uint64_t row_bytes) {
    auto* out = static_cast<uint8_t*>(to);
    const auto* in = static_cast<const uint8_t*>(from);
    if (!pool) {
        std::memcpy(out, in, rows * row_bytes);
        return;
    }
    pool->run_ranges(rows, [&](size_t, uint64_t first, uint64_t count) {
        std::memcpy(out + first * row_bytes, in + first * row_bytes, count * row_bytes);
    });
}

// One of the chunks in flight: host-visible staging (device memory the host
// maps, on the host_writes_device path) and device-local buffers, the
// descriptor set binding them, the command buffers (upload and
// compute, the upload one used only with a copy queue), the semaphore
// between them and the fence of the whole.
struct Slot {
    DeviceBuffer host_in, device_in, device_out, host_out, sigma;
    uint64_t weights_bytes = 0;  // the weights region at the start of the input buffers
    uint64_t values_bytes = 0;   // then the values
    std::optional<bool> inputs_from_host;  // see bind_inputs; empty until bound
    VkDescriptorSet set = VK_NULL_HANDLE;
    VkCommandBuffer upload = VK_NULL_HANDLE, commands = VK_NULL_HANDLE;
    VkSemaphore uploaded = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    uint32_t first_stamp = 0;
    bool pending = false;
    uint64_t out_bytes = 0;
    // Chunks uploaded as encoded blocks: the blocks on the device, the flag
    // the dequantize pass raises, and its copy for the host.
    DeviceBuffer encoded, flag, flag_host;
    bool dequantized = false;
};

// A queue the quantizer submits to, with its command pool.
struct QueueUse {
    VkQueue queue = VK_NULL_HANDLE;
    uint32_t family = 0;
    VkCommandPool pool = VK_NULL_HANDLE;
};

}  // namespace

struct GpuQuantizer::State {
    std::unique_ptr<Instance> vk;
    DeviceFunctions f;
    // Buffer bookkeeping (GpuQuantizer::buffer_counts), declared before the
    // buffers that count themselves in it.
    uint64_t live_buffers = 0;
    uint64_t buffers_attempted = 0;
    uint64_t fail_buffer_at = 0;  // DeviceRequest::fail_buffer_at
    VkPhysicalDevice physical = VK_NULL_HANDLE;
    VkDevice device = VK_NULL_HANDLE;
    QueueUse compute, transfer;  // transfer.queue == compute.queue without a copy queue
    bool copy_queue = false;
    uint64_t chunk_bytes = kPreferredChunkBytes;
    InputPath input_path = InputPath::copy;
    LlamaRelease llama_release = kNewestRelease;
    VkQueryPool stamps = VK_NULL_HANDLE;  // null where timestamps cannot be read
    double stamp_seconds = 0;             // seconds per timestamp tick
    StreamProfile profile;
    VkPhysicalDeviceMemoryProperties memory{};
    VkPhysicalDeviceLimits limits{};
    std::string name;
    bool keeps_subnormals = false;
    VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkDescriptorPool descriptors = VK_NULL_HANDLE;
    std::map<std::pair<const void*, std::array<int32_t, 2>>, VkPipeline> pipelines;
    std::array<Slot, kSlots> slots;
    std::map<LatticeId, DeviceBuffer> lattices;  // uploaded on first use
    std::unique_ptr<DequantizePass> dequantize;  // made on the first encoded chunk
    std::mutex busy;  // one stream at a time

    ~State() {
        if (!device) return;
        f.vkDeviceWaitIdle(device);
        dequantize.reset();
        for (auto& s : slots) {
            release_chunk_buffers(s);
            release_encoded_buffers(s);
            if (s.fence) f.vkDestroyFence(device, s.fence, nullptr);
            if (s.uploaded) f.vkDestroySemaphore(device, s.uploaded, nullptr);
        }
        if (stamps) f.vkDestroyQueryPool(device, stamps, nullptr);
        for (auto& [id, b] : lattices) b.reset();
        for (auto& [key, p] : pipelines) f.vkDestroyPipeline(device, p, nullptr);
        if (descriptors) f.vkDestroyDescriptorPool(device, descriptors, nullptr);
        if (layout) f.vkDestroyPipelineLayout(device, layout, nullptr);
        if (set_layout) f.vkDestroyDescriptorSetLayout(device, set_layout, nullptr);
        for (QueueUse* q : {&compute, &transfer}) {
            if (q->pool) f.vkDestroyCommandPool(device, q->pool, nullptr);
            if (!copy_queue) break;
        }
        f.vkDestroyDevice(device, nullptr);
    }

    // The buffers reserve() sizes for a chunk.
    void release_chunk_buffers(Slot& s) {
        for (DeviceBuffer* b : {&s.host_in, &s.device_in, &s.device_out, &s.host_out, &s.sigma}) b->reset();
    }

    // The buffers reserve_encoded() sizes for encoded chunks.
    void release_encoded_buffers(Slot& s) {
        for (DeviceBuffer* b : {&s.encoded, &s.flag, &s.flag_host}) b->reset();
    }

    // A buffer in memory with `want` properties (falling back to any memory
    // the buffer may use when `want` is only a preference beyond `need`).
    // `shared`: written by the copy queue, read by the compute queue.
    Result<DeviceBuffer> make_buffer(uint64_t size, VkBufferUsageFlags usage, VkMemoryPropertyFlags need, VkMemoryPropertyFlags want,
                                     bool shared = false) {
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

    // A pipeline of `spirv` under `with` (the quantize layout by default).
    Result<VkPipeline> pipeline(const Spirv& spirv, std::array<int32_t, 2> spec, VkPipelineLayout with = VK_NULL_HANDLE) {
        const auto words = keeps_subnormals ? spirv.keeps_subnormals : spirv.plain;
        const auto key = std::make_pair(static_cast<const void*>(words.data()), spec);
        if (auto it = pipelines.find(key); it != pipelines.end()) return it->second;
        VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
        module_info.codeSize = words.size_bytes();
        module_info.pCode = words.data();
        VkShaderModule module;
        if (VkResult r = f.vkCreateShaderModule(device, &module_info, nullptr, &module); r != VK_SUCCESS) return vk_fail("vkCreateShaderModule", r);
        const VkSpecializationMapEntry entries[2] = {{0, 0, 4}, {1, 4, 4}};
        VkSpecializationInfo spec_info{2, entries, sizeof spec, spec.data()};
        VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
        info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
        info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
        info.stage.module = module;
        info.stage.pName = "main";
        info.stage.pSpecializationInfo = &spec_info;
        info.layout = with ? with : layout;
        VkPipeline p;
        const VkResult r = f.vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &info, nullptr, &p);
        f.vkDestroyShaderModule(device, module, nullptr);
        if (r != VK_SUCCESS) return vk_fail("vkCreateComputePipelines", r);
        pipelines.emplace(key, p);
        return p;
    }

    // Makes every slot hold `in_bytes` of input (weights region first) and
    // `out_bytes` of output, for `rows` rows, its staging memory placed for `path`.
    // Falls back from host_writes_device to copy where the device's mappable
    // memory does not hold the slots.
    Status reserve(uint64_t weights_bytes, uint64_t values_bytes, uint64_t out_bytes, uint64_t rows) {
        auto made = reserve_on(input_path, weights_bytes, values_bytes, out_bytes, rows);
        if (made || input_path != InputPath::host_writes_device) return made;
        // No mappable device memory (or not enough of it): copy instead.
        for (auto& s : slots) release_chunk_buffers(s);
        input_path = InputPath::copy;
        return reserve_on(input_path, weights_bytes, values_bytes, out_bytes, rows);
    }

    Status reserve_on(InputPath path, uint64_t weights_bytes, uint64_t values_bytes, uint64_t out_bytes, uint64_t rows) {
        const uint64_t in_bytes = weights_bytes + values_bytes;
        for (auto& s : slots) {
            if (s.host_in.size >= in_bytes && s.device_out.size >= out_bytes && s.sigma.size >= rows * 4 && s.weights_bytes == weights_bytes) continue;
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

    // Points slot s's values and weights bindings at the staging memory
    // (`from_host`: floats the host wrote, on the input paths that read them
    // there) or at device_in (copied floats, or those the dequantize pass made).
    void bind_inputs(Slot& s, bool from_host) {
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

    // Copies `from` into `to` through slot 0's command buffer and waits;
    // shaders may read `to` afterwards.
    VkResult copy_and_wait(const DeviceBuffer& from, const DeviceBuffer& to) {
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

    // Points every slot's lattice binding at `id`'s tables, uploading them
    // the first time (through slot 0, idle between streams).
    Status bind_lattice(LatticeId id) {
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

    Status wait(Slot& s) {
        if (!s.pending) return {};
        s.pending = false;
        const auto start = Clock::now();
        if (VkResult r = f.vkWaitForFences(device, 1, &s.fence, VK_TRUE, UINT64_MAX); r != VK_SUCCESS) return vk_fail("vkWaitForFences", r);
        profile.wait_s += seconds_since(start);
        if (stamps) {
            uint64_t t[kStamps];
            if (f.vkGetQueryPoolResults(device, stamps, s.first_stamp, kStamps, sizeof t, t, sizeof t[0], VK_QUERY_RESULT_64_BIT) == VK_SUCCESS) {
                if (t[1] >= t[0]) profile.upload_s += static_cast<double>(t[1] - t[0]) * stamp_seconds;
                if (t[3] >= t[2]) profile.compute_s += static_cast<double>(t[3] - t[2]) * stamp_seconds;
            }
            f.vkResetQueryPool(device, stamps, s.first_stamp, kStamps);
        }
        return {};
    }

    void stamp(VkCommandBuffer commands, const Slot& s, uint32_t which, VkPipelineStageFlagBits stage) {
        if (stamps) f.vkCmdWriteTimestamp(commands, stage, stamps, s.first_stamp + which);
    }

    static void begin(const DeviceFunctions& f, VkCommandBuffer commands) {
        f.vkResetCommandBuffer(commands, 0);
        VkCommandBufferBeginInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
        info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
        f.vkBeginCommandBuffer(commands, &info);
    }

    // Makes slot `s` ready for a chunk of `encoded_bytes` of blocks.
    Status reserve_encoded(Slot& s, uint64_t encoded_bytes) {
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

    // Records and submits one chunk: copy in, dequantize if it holds blocks
    // of `source`, row statistics if needed, quantize, copy out.
    Status submit(Slot& s, const ShaderKernel& kernel, uint64_t row_length, uint64_t rows, bool weighted, const DequantizeKernel* source) {
        auto quantize = pipeline(kernel.quantize, {kernel.spec[0], kernel.spec[1]});
        if (!quantize) return std::unexpected(quantize.error());
        const uint64_t values_bytes = rows * row_length * 4;
        const uint64_t encoded_bytes = source ? rows * row_length / source->unit_values * source->unit_bytes : 0;
        if (source) {
            if (auto r = reserve_encoded(s, encoded_bytes); !r) return r;
        }
        const bool sigma = weighted && kernel.needs_row_sigma;
        VkPipeline row_pass = VK_NULL_HANDLE;
        if (sigma) {
            auto p = pipeline(row_sigma_shader(), {0, 0});
            if (!p) return std::unexpected(p.error());
            row_pass = *p;
        }
        const uint64_t units_per_row = row_length / kernel.unit_values;
        const uint64_t units = rows * units_per_row;
        s.out_bytes = units * kernel.unit_bytes;
        f.vkResetFences(device, 1, &s.fence);
        s.dequantized = source != nullptr;
        // The upload: on the copy queue when there is one (the semaphore
        // orders it before the shaders), else first in the compute commands.
        const VkCommandBuffer up = copy_queue ? s.upload : s.commands;
        begin(f, up);
        stamp(up, s, 0, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
        if (source) {
            const VkBufferCopy weights_copy{0, 0, s.weights_bytes}, blocks_copy{s.weights_bytes, 0, encoded_bytes};
            f.vkCmdCopyBuffer(up, s.host_in.buffer, s.device_in.buffer, 1, &weights_copy);
            f.vkCmdCopyBuffer(up, s.host_in.buffer, s.encoded.buffer, 1, &blocks_copy);
        } else if (input_path == InputPath::copy) {
            const VkBufferCopy in_copy{0, 0, s.weights_bytes + values_bytes};
            f.vkCmdCopyBuffer(up, s.host_in.buffer, s.device_in.buffer, 1, &in_copy);
        } else if (input_path == InputPath::device_reads_host) {
            const VkBufferCopy weights_copy{0, 0, s.weights_bytes};
            f.vkCmdCopyBuffer(up, s.host_in.buffer, s.device_in.buffer, 1, &weights_copy);
        }
        bind_inputs(s, source == nullptr);
        stamp(up, s, 1, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
        if (copy_queue) {
            f.vkEndCommandBuffer(up);
            VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
            submit.commandBufferCount = 1;
            submit.pCommandBuffers = &up;
            submit.signalSemaphoreCount = 1;
            submit.pSignalSemaphores = &s.uploaded;
            if (VkResult r = f.vkQueueSubmit(transfer.queue, 1, &submit, VK_NULL_HANDLE); r != VK_SUCCESS) return vk_fail("vkQueueSubmit", r);
            begin(f, s.commands);
        } else {
            VkMemoryBarrier barrier{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
            barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
            barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
            f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, nullptr, 0,
                                   nullptr);
        }
        stamp(s.commands, s, 2, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT);
        if (source) {
            DequantizePass::Chunk chunk;
            chunk.kernel = source;
            chunk.values = rows * row_length;
            chunk.encoded = {s.encoded.buffer, 0, encoded_bytes};
            chunk.floats = {s.device_in.buffer, s.weights_bytes, values_bytes};
            chunk.flag = {s.flag.buffer, 0, 4};
            chunk.flag_host = {s.flag_host.buffer, 0, 4};
            chunk.check_subnormal = !keeps_subnormals;
            const auto slot = static_cast<uint32_t>(&s - slots.data());
            auto made = [this](const Spirv& spirv, std::array<int32_t, 2> spec, VkPipelineLayout with) { return pipeline(spirv, spec, with); };
            if (auto r = dequantize->record(s.commands, slot, chunk, made); !r) return r;
        }
        f.vkCmdBindDescriptorSets(s.commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout, 0, 1, &s.set, 0, nullptr);
        if (sigma) {
            const PushConstants pc{static_cast<uint32_t>(rows), 0, static_cast<uint32_t>(row_length), 1};
            f.vkCmdBindPipeline(s.commands, VK_PIPELINE_BIND_POINT_COMPUTE, row_pass);
            f.vkCmdPushConstants(s.commands, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, &pc);
            f.vkCmdDispatch(s.commands, static_cast<uint32_t>((rows + kWorkgroup - 1) / kWorkgroup), 1, 1);
            VkMemoryBarrier between{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
            between.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
            between.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
            f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &between, 0, nullptr, 0,
                                   nullptr);
        }
        const PushConstants pc{static_cast<uint32_t>(units), static_cast<uint32_t>(units_per_row), static_cast<uint32_t>(row_length),
                               weighted ? 1u : 0u};
        f.vkCmdBindPipeline(s.commands, VK_PIPELINE_BIND_POINT_COMPUTE, *quantize);
        f.vkCmdPushConstants(s.commands, layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof pc, &pc);
        f.vkCmdDispatch(s.commands, static_cast<uint32_t>((units * kernel.unit_invocations + kWorkgroup - 1) / kWorkgroup), 1, 1);
        VkMemoryBarrier done{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
        done.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
        done.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
        f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &done, 0, nullptr, 0, nullptr);
        const VkBufferCopy out_copy{0, 0, s.out_bytes};
        f.vkCmdCopyBuffer(s.commands, s.device_out.buffer, s.host_out.buffer, 1, &out_copy);
        VkMemoryBarrier host{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
        host.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
        f.vkCmdPipelineBarrier(s.commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &host, 0, nullptr, 0, nullptr);
        stamp(s.commands, s, 3, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
        f.vkEndCommandBuffer(s.commands);
        VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
        submit.commandBufferCount = 1;
        submit.pCommandBuffers = &s.commands;
        const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
        if (copy_queue) {
            submit.waitSemaphoreCount = 1;
            submit.pWaitSemaphores = &s.uploaded;
            submit.pWaitDstStageMask = &wait_stage;
        }
        if (VkResult r = f.vkQueueSubmit(compute.queue, 1, &submit, s.fence); r != VK_SUCCESS) return vk_fail("vkQueueSubmit", r);
        s.pending = true;
        return {};
    }
};

namespace {

struct Candidate {
    VkPhysicalDevice device;
    VkPhysicalDeviceProperties properties;
    uint32_t queue_family;
    bool keeps_subnormals;
    std::string missing;     // features the shaders need that the device lacks
    int copy_family = -1;    // a transfer-only family (a copy engine), if any
    bool stamps = false;     // both families keep timestamps, resettable by the host
};

Candidate inspect(const Instance& vk, VkPhysicalDevice device) {
    Candidate c{device, {}, 0, false, ""};
    vk.vkGetPhysicalDeviceProperties(device, &c.properties);
    if (c.properties.apiVersion < VK_API_VERSION_1_2) {
        c.missing = "Vulkan 1.2";
        return c;
    }
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &f12};
    vk.vkGetPhysicalDeviceFeatures2(device, &features);
    VkPhysicalDeviceVulkan12Properties p12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES};
    VkPhysicalDeviceProperties2 properties{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &p12};
    vk.vkGetPhysicalDeviceProperties2(device, &properties);
    auto need = [&](bool has, const char* what) {
        if (!has) c.missing += (c.missing.empty() ? "" : ", ") + std::string(what);
    };
    need(features.features.shaderFloat64, "shaderFloat64");
    need(f12.storageBuffer8BitAccess, "storageBuffer8BitAccess");
    need(f12.shaderInt8, "shaderInt8");
    need(p12.shaderRoundingModeRTEFloat32, "shaderRoundingModeRTEFloat32");
    need(p12.shaderSignedZeroInfNanPreserveFloat32, "shaderSignedZeroInfNanPreserveFloat32");
    c.keeps_subnormals = p12.shaderDenormPreserveFloat32;
    uint32_t families = 0;
    vk.vkGetPhysicalDeviceQueueFamilyProperties(device, &families, nullptr);
    std::vector<VkQueueFamilyProperties> props(families);
    vk.vkGetPhysicalDeviceQueueFamilyProperties(device, &families, props.data());
    bool found = false;
    for (uint32_t i = 0; i < families && !found; ++i) {
        if (props[i].queueFlags & VK_QUEUE_COMPUTE_BIT) c.queue_family = i, found = true;
    }
    need(found, "a compute queue");
    for (uint32_t i = 0; i < families && c.copy_family < 0; ++i) {
        const auto flags = props[i].queueFlags;
        if ((flags & VK_QUEUE_TRANSFER_BIT) && !(flags & (VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT))) c.copy_family = static_cast<int>(i);
    }
    c.stamps = f12.hostQueryReset && c.properties.limits.timestampPeriod > 0 && found && props[c.queue_family].timestampValidBits > 0 &&
               (c.copy_family < 0 || props[c.copy_family].timestampValidBits > 0);
    return c;
}

int preference(VkPhysicalDeviceType type) {
    switch (type) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
        default: return 4;
    }
}

}  // namespace

GpuQuantizer::GpuQuantizer(std::unique_ptr<State> state) : state_(std::move(state)) {}
GpuQuantizer::~GpuQuantizer() = default;

Result<std::unique_ptr<GpuQuantizer>> GpuQuantizer::open(const DeviceRequest& request) {
    auto vk = open_instance();
    if (!vk) return std::unexpected(vk.error());
    uint32_t count = 0;
    (*vk)->vkEnumeratePhysicalDevices((*vk)->instance, &count, nullptr);
    std::vector<VkPhysicalDevice> devices(count);
    if (count) (*vk)->vkEnumeratePhysicalDevices((*vk)->instance, &count, devices.data());
    if (count == 0) return fail(ErrorCode::not_found, "", "no Vulkan device found (the loader lists none; is a Vulkan driver installed?)");
    std::vector<Candidate> candidates;
    for (auto d : devices) candidates.push_back(inspect(**vk, d));
    int chosen = -1;
    if (request.index >= 0) {
        if (request.index >= static_cast<int>(count)) {
            return fail(ErrorCode::not_found, "", "no Vulkan device " + std::to_string(request.index) + " (there are " + std::to_string(count) + ")");
        }
        const auto& c = candidates[request.index];
        if (!c.missing.empty()) {
            return fail(ErrorCode::unsupported, "", std::string("Vulkan device ") + std::to_string(request.index) + " (" + c.properties.deviceName +
                                                        ") lacks what the bit-exact shaders need: " + c.missing);
        }
        chosen = request.index;
    } else {
        for (int i = 0; i < static_cast<int>(count); ++i) {
            const auto& c = candidates[i];
            if (!c.missing.empty()) continue;
            if (request.discrete_only && c.properties.deviceType != VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU) continue;
            if (chosen < 0 || preference(c.properties.deviceType) < preference(candidates[chosen].properties.deviceType)) chosen = i;
        }
        if (chosen < 0) {
            std::string seen;
            for (const auto& c : candidates) {
                seen += (seen.empty() ? "" : "; ") + std::string(c.properties.deviceName) + (c.missing.empty() ? "" : " lacks " + c.missing);
            }
            return fail(ErrorCode::not_found, "", std::string(request.discrete_only ? "no discrete GPU" : "no usable Vulkan device") + " (" + seen + ")");
        }
    }
    const Candidate& c = candidates[chosen];
    auto state = std::make_unique<State>();
    state->vk = std::move(*vk);
    Instance& in = *state->vk;
    state->physical = c.device;
    state->compute.family = c.queue_family;
    state->copy_queue = c.copy_family >= 0;
    state->transfer.family = state->copy_queue ? static_cast<uint32_t>(c.copy_family) : c.queue_family;
    state->keeps_subnormals = c.keeps_subnormals;
    if (request.chunk_bytes) state->chunk_bytes = request.chunk_bytes;
    state->input_path = request.input_path;
    state->llama_release = request.release;
    state->fail_buffer_at = request.fail_buffer_at;
    state->limits = c.properties.limits;
    state->name = std::string(c.properties.deviceName) + " (Vulkan device " + std::to_string(chosen) + ")";
    in.vkGetPhysicalDeviceMemoryProperties(c.device, &state->memory);

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queues[2];
    for (uint32_t i = 0; i < 2; ++i) {
        queues[i] = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
        queues[i].queueFamilyIndex = i == 0 ? state->compute.family : state->transfer.family;
        queues[i].queueCount = 1;
        queues[i].pQueuePriorities = &priority;
    }
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f12.storageBuffer8BitAccess = VK_TRUE;
    f12.shaderInt8 = VK_TRUE;
    f12.hostQueryReset = c.stamps ? VK_TRUE : VK_FALSE;
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &f12};
    features.features.shaderFloat64 = VK_TRUE;
    VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, &features};
    info.queueCreateInfoCount = state->copy_queue ? 2 : 1;
    info.pQueueCreateInfos = queues;
    if (VkResult r = in.vkCreateDevice(c.device, &info, nullptr, &state->device); r != VK_SUCCESS) return vk_fail("vkCreateDevice", r);
    state->f = load_device_functions(in, state->device);
    auto& f = state->f;
    VkDevice dev = state->device;
    for (QueueUse* q : {&state->compute, &state->transfer}) {
        f.vkGetDeviceQueue(dev, q->family, 0, &q->queue);
        if (q == &state->transfer && !state->copy_queue) {
            q->pool = state->compute.pool;
            break;
        }
        VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
        pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
        pool.queueFamilyIndex = q->family;
        if (VkResult r = f.vkCreateCommandPool(dev, &pool, nullptr, &q->pool); r != VK_SUCCESS) return vk_fail("vkCreateCommandPool", r);
    }
    if (c.stamps) {
        VkQueryPoolCreateInfo stamps{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        stamps.queryType = VK_QUERY_TYPE_TIMESTAMP;
        stamps.queryCount = kSlots * kStamps;
        if (VkResult r = f.vkCreateQueryPool(dev, &stamps, nullptr, &state->stamps); r != VK_SUCCESS) return vk_fail("vkCreateQueryPool", r);
        f.vkResetQueryPool(dev, state->stamps, 0, kSlots * kStamps);
        state->stamp_seconds = c.properties.limits.timestampPeriod * 1e-9;
    }
    ComputeLayout compute;
    std::array<VkDescriptorSet, kSlots> sets{};
    const auto laid_out = make_compute_layout(dev, f, kBindings + 1, sizeof(PushConstants), compute, sets);
    state->set_layout = compute.set_layout, state->layout = compute.layout, state->descriptors = compute.pool;
    if (!laid_out) return std::unexpected(laid_out.error());
    for (uint32_t i = 0; i < kSlots; ++i) {
        Slot& s = state->slots[i];
        s.set = sets[i];
        s.first_stamp = i * kStamps;
        for (VkCommandBuffer* commands : {&s.commands, &s.upload}) {
            VkCommandBufferAllocateInfo cb{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
            cb.commandPool = commands == &s.upload ? state->transfer.pool : state->compute.pool;
            cb.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
            cb.commandBufferCount = 1;
            if (VkResult r = f.vkAllocateCommandBuffers(dev, &cb, commands); r != VK_SUCCESS) return vk_fail("vkAllocateCommandBuffers", r);
        }
        VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        if (VkResult r = f.vkCreateFence(dev, &fence, nullptr, &s.fence); r != VK_SUCCESS) return vk_fail("vkCreateFence", r);
        VkSemaphoreCreateInfo semaphore{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
        if (VkResult r = f.vkCreateSemaphore(dev, &semaphore, nullptr, &s.uploaded); r != VK_SUCCESS) return vk_fail("vkCreateSemaphore", r);
    }
    return std::unique_ptr<GpuQuantizer>(new GpuQuantizer(std::move(state)));
}

const std::string& GpuQuantizer::device_name() const { return state_->name; }

bool GpuQuantizer::keeps_subnormals() const { return state_->keeps_subnormals; }

LlamaRelease GpuQuantizer::release() const { return state_->llama_release; }

bool GpuQuantizer::supports(TensorType type, bool weighted, LlamaRelease release) {
    const auto* k = find_shader(type, release);
    return k && (!weighted || k->weighted);
}


uint64_t GpuQuantizer::max_chunk_rows(TensorType type, uint64_t row_length) const {
    const auto* k = find_shader(type, state_->llama_release);
    if (!k || row_length == 0) return 0;
    // A binding holds at most maxStorageBufferRange bytes, a dispatch at
    // most maxComputeWorkGroupCount[0] workgroups.
    const uint64_t range = state_->limits.maxStorageBufferRange;
    const uint64_t by_values = range / (row_length * 4);
    const uint64_t by_bytes = range / (row_length / k->unit_values * k->unit_bytes);
    const uint64_t by_groups =
        uint64_t{state_->limits.maxComputeWorkGroupCount[0]} * kWorkgroup / (row_length / k->unit_values * k->unit_invocations);
    return std::min({by_values, by_bytes, by_groups});
}

uint64_t GpuQuantizer::preferred_chunk_rows(TensorType type, uint64_t row_length) const {
    const uint64_t most = max_chunk_rows(type, row_length);
    if (most == 0) return 0;
    return std::clamp<uint64_t>(state_->chunk_bytes / (row_length * 4), 1, most);
}

const StreamProfile& GpuQuantizer::last_profile() const { return state_->profile; }

BufferCounts GpuQuantizer::buffer_counts() const {
    BufferCounts counts{state_->buffers_attempted, state_->live_buffers, state_->lattices.size()};
    for (const Slot& s : state_->slots) {
        for (const DeviceBuffer* b : {&s.host_in, &s.device_in, &s.device_out, &s.host_out, &s.sigma, &s.encoded, &s.flag, &s.flag_host})
            counts.held += b->buffer != VK_NULL_HANDLE;
    }
    return counts;
}

Status GpuQuantizer::stream(TensorType type, uint64_t row_length, uint64_t chunk_rows, uint64_t chunks, const Produce& produce,
                            const Consume& consume, const Redo& redo) {
    const auto* kernel = find_shader(type, state_->llama_release);
    if (!kernel) return fail(ErrorCode::unsupported, "", "no Vulkan shader quantizes " + std::string(type_display_name(type)));
    if (row_length == 0 || row_length % kernel->unit_values != 0) {
        return fail(ErrorCode::invalid_argument, "", "row length " + std::to_string(row_length) + " is not a whole number of " +
                                                         std::string(type_display_name(type)) + " blocks");
    }
    if (chunk_rows == 0 || chunk_rows > max_chunk_rows(type, row_length)) {
        return fail(ErrorCode::invalid_argument, "", "chunk of " + std::to_string(chunk_rows) + " rows does not fit the Vulkan device");
    }
    State& st = *state_;
    std::lock_guard lock(st.busy);
    const uint64_t align = std::max<uint64_t>(st.limits.minStorageBufferOffsetAlignment, 16);
    const uint64_t weights_bytes = align_up(row_length * 4, align);
    const uint64_t out_row = row_length / kernel->unit_values * kernel->unit_bytes;
    if (auto s = st.reserve(weights_bytes, chunk_rows * row_length * 4, chunk_rows * out_row, chunk_rows); !s) return s;
    if (auto s = st.bind_lattice(kernel->lattice); !s) return s;

    // Chunk k runs in slot k % kSlots; its bytes are consumed once the
    // chunks after it fill the other slots, so the device always has work
    // queued while the host fills the next chunk.
    st.profile = {};
    st.profile.copy_queue = st.copy_queue;
    st.profile.input_path = st.input_path;
    const auto stream_start = Clock::now();
    auto finish = [&](uint64_t k) -> Status {
        Slot& s = st.slots[k % kSlots];
        if (auto w = st.wait(s); !w) return w;
        const auto start = Clock::now();
        const auto bytes = std::span(static_cast<uint8_t*>(s.host_out.mapped), s.out_bytes);
        Status status;
        if (s.dequantized && *static_cast<const uint32_t*>(s.flag_host.mapped) != 0) {
            if (!redo) return fail(ErrorCode::bad_format, "", "chunk " + std::to_string(k) + " holds values the device cannot quantize exactly");
            status = redo(k, bytes);
        }
        if (status) status = consume(k, bytes);
        st.profile.consume_s += seconds_since(start);
        return status;
    };
    Status status;
    uint64_t consumed = 0;  // chunks handed to `consume`
    for (uint64_t k = 0; k < chunks && status; ++k) {
        Slot& s = st.slots[k % kSlots];
        auto* base = static_cast<uint8_t*>(s.host_in.mapped);
        const auto fill_start = Clock::now();
        auto shape = produce(k, std::span(reinterpret_cast<float*>(base + weights_bytes), chunk_rows * row_length),
                             std::span(static_cast<uint8_t*>(s.host_out.mapped), chunk_rows * out_row));
        st.profile.fill_s += seconds_since(fill_start);
        if (!shape) {
            status = std::unexpected(shape.error());
            break;
        }
        if (shape->rows > chunk_rows) {
            status = fail(ErrorCode::invalid_argument, "", "a chunk holds more rows than it was given room for");
            break;
        }
        s.out_bytes = shape->rows * out_row;
        s.dequantized = false;
        const DequantizeKernel* source = nullptr;
        if (shape->source != TensorType::F32 && !shape->done_on_cpu) {
            source = find_dequantizer(shape->source);
            if (!source || row_length % source->unit_values != 0) {
                status = fail(ErrorCode::unsupported, "", "the Vulkan device does not read " + std::string(type_display_name(shape->source)) + " rows of " +
                                                              std::to_string(row_length));
                break;
            }
        }
        if (!shape->done_on_cpu && shape->rows > 0) {
            const bool weighted = !shape->weights.empty();
            if (!weighted && requires_importance(type)) {
                status = fail(ErrorCode::invalid_argument, "", std::string(type_display_name(type)) + " needs importance weights (an imatrix entry)");
                break;
            }
            if (weighted && shape->weights.size() != row_length) {
                status = fail(ErrorCode::invalid_argument, "", "importance weights do not match the row length");
                break;
            }
            if (weighted) std::memcpy(base, shape->weights.data(), row_length * 4);
            status = st.submit(s, *kernel, row_length, shape->rows, weighted && kernel->weighted, source);
            if (!status) break;
        }
        ++st.profile.chunks;
        // Free the slot the next chunk needs.
        if (k + 1 >= kSlots) status = finish(consumed++);
    }
    while (status && consumed < chunks) status = finish(consumed++);
    for (auto& s : st.slots) {
        if (auto w = st.wait(s); !w && status) status = w;
    }
    st.profile.wall_s = seconds_since(stream_start);
    return status;
}

Status GpuQuantizer::quantize(TensorType type, std::span<const float> src, uint64_t row_length, std::span<const float> importance,
                              std::span<uint8_t> dst, ThreadPool* pool) {
    const auto* kernel = find_shader(type, state_->llama_release);
    if (!kernel) return fail(ErrorCode::unsupported, "", "no Vulkan shader quantizes " + std::string(type_display_name(type)));
    if (row_length == 0 || row_length % kernel->unit_values != 0 || src.size() % row_length != 0) {
        return fail(ErrorCode::invalid_argument, "", "rows are not whole blocks of " + std::string(type_display_name(type)));
    }
    const uint64_t rows = src.size() / row_length;
    const uint64_t out_row = row_length / kernel->unit_values * kernel->unit_bytes;
    if (dst.size() != rows * out_row) return fail(ErrorCode::invalid_argument, "", "output size does not match the rows");
    if (!importance.empty() && importance.size() != row_length) return fail(ErrorCode::invalid_argument, "", "importance weights do not match the row length");
    if (rows == 0) return {};
    const uint64_t chunk_rows = std::min(rows, preferred_chunk_rows(type, row_length));
    if (chunk_rows == 0) return fail(ErrorCode::invalid_argument, "", "a row does not fit the Vulkan device");
    const uint64_t chunks = (rows + chunk_rows - 1) / chunk_rows;
    return stream(
        type, row_length, chunk_rows, chunks,
        [&](uint64_t k, std::span<float> values, std::span<uint8_t>) -> Result<ChunkShape> {
            const uint64_t n = std::min(chunk_rows, rows - k * chunk_rows);
            copy_rows(pool, values.data(), src.data() + k * chunk_rows * row_length, n, row_length * 4);
            return ChunkShape{n, importance, false};
        },
        [&](uint64_t k, std::span<const uint8_t> bytes) -> Status {
            copy_rows(pool, dst.data() + k * chunk_rows * out_row, bytes.data(), bytes.size() / out_row, out_row);
            return {};
        });
}

bool near_subnormal(std::span<const float> values) {
    // Squares and weighted squares of these stay far from the subnormal range.
    constexpr float kLow = 0x1p-30f, kHigh = 0x1p30f;
    for (float v : values) {
        const float a = std::fabs(v);
        if (a != 0.0f && (a < kLow || a > kHigh)) return true;
    }
    return false;
}

}  // namespace gguf::quant::vk
