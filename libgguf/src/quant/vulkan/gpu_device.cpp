// Choosing a Vulkan device that runs the bit-exact shaders (Vulkan 1.2,
// float64, int8, round-to-nearest-even, signed zeros kept), opening it with
// a copy queue where it has one, and tearing it all down.
#include <algorithm>
#include <string_view>
#include <vector>

#include "gpu_state.h"

namespace gguf::quant::vk {

std::unexpected<Error> vk_fail(const char* what, VkResult r) {
    return fail(ErrorCode::io, "", std::string("Vulkan: ") + what + " failed (" + result_name(r) + ")");
}

GpuQuantizer::State::~State() {
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

// A device found and checked, not yet created.
struct Chosen {
    std::unique_ptr<GpuQuantizer::State> state;
    bool stamps = false;  // both queues keep timestamps, resettable by the host
};

// Meets every error a request can cause: no loader or driver, no such
// device, features missing.
Result<Chosen> choose(const DeviceRequest& request) {
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
            const std::string there = count == 1 ? " (there is 1)" : " (there are " + std::to_string(count) + ")";
            return fail(ErrorCode::not_found, "", "no Vulkan device " + std::to_string(request.index) + there);
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
    auto state = std::make_unique<GpuQuantizer::State>();
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
    state->garbled_type = request.garbled_type;
    state->capture_statistics = request.pipeline_statistics;
    state->limits = c.properties.limits;
    state->name = std::string(c.properties.deviceName) + " (Vulkan device " + std::to_string(chosen) + ")";
    in.vkGetPhysicalDeviceMemoryProperties(c.device, &state->memory);
    return Chosen{std::move(state), c.stamps};
}

constexpr const char* kStatisticsExtension = "VK_KHR_pipeline_executable_properties";

bool offers_extension(Instance& in, VkPhysicalDevice device, std::string_view name) {
    uint32_t count = 0;
    if (in.vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr) != VK_SUCCESS) return false;
    std::vector<VkExtensionProperties> offered(count);
    if (in.vkEnumerateDeviceExtensionProperties(device, nullptr, &count, offered.data()) != VK_SUCCESS) return false;
    return std::any_of(offered.begin(), offered.begin() + count, [&](const VkExtensionProperties& e) { return e.extensionName == name; });
}

// Creates the chosen device, its queues and what every stream reuses.
Status create_device(GpuQuantizer::State& state, bool stamps) {
    Instance& in = *state.vk;
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queues[2];
    for (uint32_t i = 0; i < 2; ++i) {
        queues[i] = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
        queues[i].queueFamilyIndex = i == 0 ? state.compute.family : state.transfer.family;
        queues[i].queueCount = 1;
        queues[i].pQueuePriorities = &priority;
    }
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f12.storageBuffer8BitAccess = VK_TRUE;
    f12.shaderInt8 = VK_TRUE;
    f12.hostQueryReset = stamps ? VK_TRUE : VK_FALSE;
    VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR executables{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR};
    executables.pipelineExecutableInfo = VK_TRUE;
    state.capture_statistics = state.capture_statistics && offers_extension(in, state.physical, kStatisticsExtension);
    if (state.capture_statistics) f12.pNext = &executables;
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &f12};
    features.features.shaderFloat64 = VK_TRUE;
    VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, &features};
    info.queueCreateInfoCount = state.copy_queue ? 2 : 1;
    info.pQueueCreateInfos = queues;
    const char* extensions[] = {kStatisticsExtension};
    info.enabledExtensionCount = state.capture_statistics ? 1 : 0;
    info.ppEnabledExtensionNames = extensions;
    if (VkResult r = in.vkCreateDevice(state.physical, &info, nullptr, &state.device); r != VK_SUCCESS) return vk_fail("vkCreateDevice", r);
    state.f = load_device_functions(in, state.device);
    auto& f = state.f;
    VkDevice dev = state.device;
    for (QueueUse* q : {&state.compute, &state.transfer}) {
        f.vkGetDeviceQueue(dev, q->family, 0, &q->queue);
        if (q == &state.transfer && !state.copy_queue) {
            q->pool = state.compute.pool;
            break;
        }
        VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
        pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
        pool.queueFamilyIndex = q->family;
        if (VkResult r = f.vkCreateCommandPool(dev, &pool, nullptr, &q->pool); r != VK_SUCCESS) return vk_fail("vkCreateCommandPool", r);
    }
    if (stamps) {
        VkQueryPoolCreateInfo stamps{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        stamps.queryType = VK_QUERY_TYPE_TIMESTAMP;
        stamps.queryCount = kSlots * kStamps;
        if (VkResult r = f.vkCreateQueryPool(dev, &stamps, nullptr, &state.stamps); r != VK_SUCCESS) return vk_fail("vkCreateQueryPool", r);
        f.vkResetQueryPool(dev, state.stamps, 0, kSlots * kStamps);
        state.stamp_seconds = state.limits.timestampPeriod * 1e-9;
    }
    ComputeLayout compute;
    std::array<VkDescriptorSet, kSlots> sets{};
    const auto laid_out = make_compute_layout(dev, f, kBindings + 1, sizeof(PushConstants), compute, sets);
    state.set_layout = compute.set_layout, state.layout = compute.layout, state.descriptors = compute.pool;
    if (!laid_out) return std::unexpected(laid_out.error());
    for (uint32_t i = 0; i < kSlots; ++i) {
        Slot& s = state.slots[i];
        s.set = sets[i];
        s.first_stamp = i * kStamps;
        for (VkCommandBuffer* commands : {&s.commands, &s.upload}) {
            VkCommandBufferAllocateInfo cb{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
            cb.commandPool = commands == &s.upload ? state.transfer.pool : state.compute.pool;
            cb.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
            cb.commandBufferCount = 1;
            if (VkResult r = f.vkAllocateCommandBuffers(dev, &cb, commands); r != VK_SUCCESS) return vk_fail("vkAllocateCommandBuffers", r);
        }
        VkFenceCreateInfo fence{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        if (VkResult r = f.vkCreateFence(dev, &fence, nullptr, &s.fence); r != VK_SUCCESS) return vk_fail("vkCreateFence", r);
        VkSemaphoreCreateInfo semaphore{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
        if (VkResult r = f.vkCreateSemaphore(dev, &semaphore, nullptr, &s.uploaded); r != VK_SUCCESS) return vk_fail("vkCreateSemaphore", r);
    }
    return {};
}

}  // namespace

GpuQuantizer::GpuQuantizer(std::unique_ptr<State> state) : state_(std::move(state)) {}
GpuQuantizer::~GpuQuantizer() = default;

Result<std::unique_ptr<GpuQuantizer>> GpuQuantizer::open(const DeviceRequest& request) {
    auto chosen = choose(request);
    if (!chosen) return std::unexpected(chosen.error());
    if (auto created = create_device(*chosen->state, chosen->stamps); !created) return std::unexpected(created.error());
    return std::unique_ptr<GpuQuantizer>(new GpuQuantizer(std::move(chosen->state)));
}

}  // namespace gguf::quant::vk
