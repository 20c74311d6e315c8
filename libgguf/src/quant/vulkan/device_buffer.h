// A Vulkan buffer with its memory (and mapping), owned: freed when it goes
// out of scope or is replaced, so a reservation that fails part way drops
// the buffers it made before the failure instead of leaking them.
#pragma once

#include <cstdint>
#include <utility>

#include "vulkan_api.h"

namespace gguf::quant::vk {

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    // An empty buffer of `device` that counts itself in *live once it holds one.
    DeviceBuffer(VkDevice device, const DeviceFunctions* f, uint64_t* live) : device_(device), f_(f), live_(live) {}
    ~DeviceBuffer() { reset(); }
    DeviceBuffer(DeviceBuffer&& other) noexcept { *this = std::move(other); }
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    // Frees the buffer, its memory and mapping; the object is empty after.
    void reset();
    // Takes `made` (just created) as this object's buffer: counted live from here.
    void adopt(VkBuffer made);

    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    uint64_t size = 0;
    void* mapped = nullptr;

private:
    VkDevice device_ = VK_NULL_HANDLE;
    const DeviceFunctions* f_ = nullptr;
    uint64_t* live_ = nullptr;
};

}  // namespace gguf::quant::vk
