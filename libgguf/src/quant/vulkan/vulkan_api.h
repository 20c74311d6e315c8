// The Vulkan entry points the GPU quantizer uses, loaded at run time from the
// system's loader (libvulkan.so.1), so that gguf-mtp starts, and quantizes on
// the CPU, on machines without one.
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <memory>

#include "gguf/error.h"

namespace gguf::quant::vk {

#define GGUF_VK_INSTANCE_FUNCTIONS(X)          \
    X(vkDestroyInstance)                       \
    X(vkEnumeratePhysicalDevices)              \
    X(vkGetPhysicalDeviceProperties)           \
    X(vkGetPhysicalDeviceFeatures2)            \
    X(vkGetPhysicalDeviceProperties2)          \
    X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkGetPhysicalDeviceMemoryProperties)     \
    X(vkCreateDevice)                          \
    X(vkEnumerateDeviceExtensionProperties)    \
    X(vkGetDeviceProcAddr)

#define GGUF_VK_DEVICE_FUNCTIONS(X)     \
    X(vkDestroyDevice)                  \
    X(vkGetDeviceQueue)                 \
    X(vkCreateBuffer)                   \
    X(vkDestroyBuffer)                  \
    X(vkGetBufferMemoryRequirements)    \
    X(vkAllocateMemory)                 \
    X(vkFreeMemory)                     \
    X(vkBindBufferMemory)               \
    X(vkMapMemory)                      \
    X(vkUnmapMemory)                    \
    X(vkCreateShaderModule)             \
    X(vkDestroyShaderModule)            \
    X(vkCreateDescriptorSetLayout)      \
    X(vkDestroyDescriptorSetLayout)     \
    X(vkCreatePipelineLayout)           \
    X(vkDestroyPipelineLayout)          \
    X(vkCreateComputePipelines)         \
    X(vkDestroyPipeline)                \
    X(vkCreateDescriptorPool)           \
    X(vkDestroyDescriptorPool)          \
    X(vkAllocateDescriptorSets)         \
    X(vkUpdateDescriptorSets)           \
    X(vkCreateCommandPool)              \
    X(vkDestroyCommandPool)             \
    X(vkAllocateCommandBuffers)         \
    X(vkBeginCommandBuffer)             \
    X(vkEndCommandBuffer)               \
    X(vkResetCommandBuffer)             \
    X(vkCmdBindPipeline)                \
    X(vkCmdBindDescriptorSets)          \
    X(vkCmdPushConstants)               \
    X(vkCmdDispatch)                    \
    X(vkCmdCopyBuffer)                  \
    X(vkCmdFillBuffer)                  \
    X(vkCmdPipelineBarrier)             \
    X(vkCreateFence)                    \
    X(vkDestroyFence)                   \
    X(vkResetFences)                    \
    X(vkWaitForFences)                  \
    X(vkQueueSubmit)                    \
    X(vkCreateSemaphore)                \
    X(vkDestroySemaphore)               \
    X(vkCreateQueryPool)                \
    X(vkDestroyQueryPool)               \
    X(vkCmdWriteTimestamp)              \
    X(vkGetQueryPoolResults)            \
    X(vkResetQueryPool)                 \
    X(vkDeviceWaitIdle)                 \
    /* VK_KHR_pipeline_executable_properties, null where not enabled */ \
    X(vkGetPipelineExecutablePropertiesKHR) \
    X(vkGetPipelineExecutableStatisticsKHR)

#define GGUF_VK_DECLARE(name) PFN_##name name = nullptr;

// The loader library and an instance; closed and destroyed with the object.
struct Instance {
    void* library = nullptr;
    VkInstance instance = VK_NULL_HANDLE;
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
    GGUF_VK_INSTANCE_FUNCTIONS(GGUF_VK_DECLARE)

    Instance() = default;
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;
    ~Instance();
};

struct DeviceFunctions {
    GGUF_VK_DEVICE_FUNCTIONS(GGUF_VK_DECLARE)
};

// Loads libvulkan.so.1 and creates a Vulkan 1.2 instance. Errors say which
// step failed (no loader, no driver).
Result<std::unique_ptr<Instance>> open_instance();

// Device-level entry points of `device`.
DeviceFunctions load_device_functions(const Instance& instance, VkDevice device);

// "VK_ERROR_INITIALIZATION_FAILED" style text for an error message.
const char* result_name(VkResult result);

}  // namespace gguf::quant::vk
