#include "vulkan_api.h"

#include <dlfcn.h>

#include <string>

namespace gguf::quant::vk {

Instance::~Instance() {
    if (instance && vkDestroyInstance) vkDestroyInstance(instance, nullptr);
    if (library) dlclose(library);
}

const char* result_name(VkResult result) {
    switch (result) {
        case VK_SUCCESS: return "VK_SUCCESS";
        case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
        case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
        case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
        case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
        case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
        case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
        case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
        case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
        case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
        default: return "a Vulkan error";
    }
}

Result<std::unique_ptr<Instance>> open_instance() {
    auto vk = std::make_unique<Instance>();
    vk->library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!vk->library) {
        return fail(ErrorCode::unsupported, "", "Vulkan is not available: the loader libvulkan.so.1 cannot be loaded (Debian: libvulkan1)");
    }
    vk->vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(vk->library, "vkGetInstanceProcAddr"));
    if (!vk->vkGetInstanceProcAddr) return fail(ErrorCode::unsupported, "", "Vulkan is not available: libvulkan.so.1 has no vkGetInstanceProcAddr");
    auto create = reinterpret_cast<PFN_vkCreateInstance>(vk->vkGetInstanceProcAddr(VK_NULL_HANDLE, "vkCreateInstance"));
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "gguf-mtp";
    app.apiVersion = VK_API_VERSION_1_2;
    VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    info.pApplicationInfo = &app;
    const VkResult r = create ? create(&info, nullptr, &vk->instance) : VK_ERROR_INITIALIZATION_FAILED;
    if (r != VK_SUCCESS) {
        return fail(ErrorCode::unsupported, "", std::string("Vulkan is not available: no driver answers (vkCreateInstance: ") + result_name(r) + ")");
    }
#define GGUF_VK_LOAD_INSTANCE(name) vk->name = reinterpret_cast<PFN_##name>(vk->vkGetInstanceProcAddr(vk->instance, #name));
    GGUF_VK_INSTANCE_FUNCTIONS(GGUF_VK_LOAD_INSTANCE)
    return vk;
}

DeviceFunctions load_device_functions(const Instance& instance, VkDevice device) {
    DeviceFunctions f;
#define GGUF_VK_LOAD_DEVICE(name) f.name = reinterpret_cast<PFN_##name>(instance.vkGetDeviceProcAddr(device, #name));
    GGUF_VK_DEVICE_FUNCTIONS(GGUF_VK_LOAD_DEVICE)
    return f;
}

}  // namespace gguf::quant::vk
