// What a GpuQuantizer holds: the device, its queues, the pipelines, and
// the chunk slots with their buffers. Its methods live by concern:
// gpu_device.cpp (choosing and opening a device, tearing it down),
// gpu_buffers.cpp (device memory and bindings), gpu_commands.cpp (recording
// and submitting a chunk), gpu_quantizer.cpp (streaming chunks through the
// slots).
//
// Not thread-safe on its own: GpuQuantizer::stream holds `busy`.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "compute_layout.h"
#include "dequantize_pass.h"
#include "device_buffer.h"
#include "gpu_quantizer.h"
#include "lattice_tables.h"
#include "shader_table.h"
#include "vulkan_api.h"

namespace gguf::quant::vk {

constexpr uint32_t kWorkgroup = 64;  // local_size_x of every shader
constexpr uint32_t kBindings = 4;    // values, weights, bytes, row statistics
// Then, shared by every slot: the lattice of the IQ1/IQ2/IQ3 shaders.
constexpr uint32_t kLatticeBinding = kBindings;
// Chunks in flight: filled by the host, uploading, quantizing, read back.
constexpr uint32_t kSlots = 4;
// Timestamps per slot: upload begin and end, compute begin and end.
constexpr uint32_t kStamps = 4;
// f32 input per chunk that keeps a large GPU busy while the next uploads.
constexpr uint64_t kPreferredChunkBytes = 8ull << 20;

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct PushConstants {
    uint32_t units, units_per_row, row_length, weighted;
};

// A failed Vulkan call as an error naming it and its result.
std::unexpected<Error> vk_fail(const char* what, VkResult r);

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
    TensorType read_as = TensorType::F32;  // the blocks' type, where dequantized
};

// A queue the quantizer submits to, with its command pool.
struct QueueUse {
    VkQueue queue = VK_NULL_HANDLE;
    uint32_t family = 0;
    VkCommandPool pool = VK_NULL_HANDLE;
};

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
    bool capture_statistics = false;  // DeviceRequest::pipeline_statistics, where the device reports them
    std::vector<PipelineStatistics> statistics;
    std::array<Slot, kSlots> slots;
    std::map<LatticeId, DeviceBuffer> lattices;  // uploaded on first use
    std::unique_ptr<DequantizePass> dequantize;  // made on the first encoded chunk
    std::mutex busy;  // one stream at a time
    std::optional<TensorType> garbled_type;          // DeviceRequest::garbled_type
    std::map<std::pair<TensorType, bool>, bool> agreement;  // agrees_with_cpu, per type and weighting
    std::map<TensorType, bool> read_agreement;              // reads_as_cpu, per source type

    ~State();

    // The buffers reserve() sizes for a chunk.
    void release_chunk_buffers(Slot& s);

    // The buffers reserve_encoded() sizes for encoded chunks.
    void release_encoded_buffers(Slot& s);

    // A buffer in memory with `want` properties (falling back to any memory
    // the buffer may use when `want` is only a preference beyond `need`).
    // `shared`: written by the copy queue, read by the compute queue.
    Result<DeviceBuffer> make_buffer(uint64_t size, VkBufferUsageFlags usage, VkMemoryPropertyFlags need, VkMemoryPropertyFlags want,
                                     bool shared = false);

    // The driver's statistics of pipeline p (statistics, when captured).
    PipelineStatistics statistics_of(VkPipeline p, const Spirv& spirv, std::array<int32_t, 2> spec) const;

    // A pipeline of `spirv` under `with` (the quantize layout by default).
    Result<VkPipeline> pipeline(const Spirv& spirv, std::array<int32_t, 2> spec, VkPipelineLayout with = VK_NULL_HANDLE);

    // Makes every slot hold at least `weights_bytes` + `values_bytes` of input
    // (weights region first; its size, Slot::weights_bytes, may be larger) and
    // `out_bytes` of output, for `rows` rows, its staging memory placed for `path`.
    // Falls back from host_writes_device to copy where the device's mappable
    // memory does not hold the slots.
    Status reserve(uint64_t weights_bytes, uint64_t values_bytes, uint64_t out_bytes, uint64_t rows);

    Status reserve_on(InputPath path, uint64_t weights_bytes, uint64_t values_bytes, uint64_t out_bytes, uint64_t rows);

    // Points slot s's values and weights bindings at the staging memory
    // (`from_host`: floats the host wrote, on the input paths that read them
    // there) or at device_in (copied floats, or those the dequantize pass made).
    void bind_inputs(Slot& s, bool from_host);

    // Copies `from` into `to` through slot 0's command buffer and waits;
    // shaders may read `to` afterwards.
    VkResult copy_and_wait(const DeviceBuffer& from, const DeviceBuffer& to);

    // Points every slot's lattice binding at `id`'s tables, uploading them
    // the first time (through slot 0, idle between streams).
    Status bind_lattice(LatticeId id);

    Status wait(Slot& s);

    void stamp(VkCommandBuffer commands, const Slot& s, uint32_t which, VkPipelineStageFlagBits stage);

    static void begin(const DeviceFunctions& f, VkCommandBuffer commands);

    // Makes slot `s` ready for a chunk of `encoded_bytes` of blocks.
    Status reserve_encoded(Slot& s, uint64_t encoded_bytes);

    // Records and submits one chunk: copy in, dequantize if it holds blocks
    // of `source`, row statistics if needed, quantize, copy out.
    Status submit(Slot& s, const ShaderKernel& kernel, uint64_t row_length, uint64_t rows, bool weighted, const DequantizeKernel* source);
};


}  // namespace gguf::quant::vk
