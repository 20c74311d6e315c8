// open_vulkan_backend of a build without Vulkan (GGUF_MTP_VULKAN off).
#include "backend.h"

namespace gguf::quant {

Result<std::unique_ptr<Backend>> open_vulkan_backend(const VulkanChoice&, ThreadPool&) {
    return fail(ErrorCode::unsupported, "",
                "this gguf-mtp was built without Vulkan (GGUF_MTP_VULKAN off: glslc or the Vulkan headers were missing)");
}

}  // namespace gguf::quant
