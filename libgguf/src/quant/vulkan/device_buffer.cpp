#include "device_buffer.h"

#include <utility>

namespace gguf::quant::vk {

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this == &other) return *this;
    reset();
    buffer = std::exchange(other.buffer, VK_NULL_HANDLE);
    memory = std::exchange(other.memory, VK_NULL_HANDLE);
    size = std::exchange(other.size, 0);
    mapped = std::exchange(other.mapped, nullptr);
    device_ = other.device_;
    f_ = other.f_;
    live_ = other.live_;
    return *this;
}

void DeviceBuffer::adopt(VkBuffer made) {
    reset();
    buffer = made;
    if (live_) ++*live_;
}

void DeviceBuffer::reset() {
    if (mapped) f_->vkUnmapMemory(device_, memory);
    if (buffer) {
        f_->vkDestroyBuffer(device_, buffer, nullptr);
        if (live_) --*live_;
    }
    if (memory) f_->vkFreeMemory(device_, memory, nullptr);
    buffer = VK_NULL_HANDLE;
    memory = VK_NULL_HANDLE;
    size = 0;
    mapped = nullptr;
}

}  // namespace gguf::quant::vk
