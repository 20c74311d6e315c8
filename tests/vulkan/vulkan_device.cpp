#include "vulkan_device.h"

namespace vulkan_test {

gguf::quant::vk::GpuQuantizer* device(std::string* why) {
    static std::string reason;
    static auto gpu = [] {
        auto g = gguf::quant::vk::GpuQuantizer::open({});
        if (!g) reason = g.error().message;
        return g ? std::move(*g) : nullptr;
    }();
    *why = reason;
    return gpu.get();
}

}  // namespace vulkan_test
