// Quantizing rows on a Vulkan device with the shaders of shader_table.h,
// bit for bit as the CPU core does. Work streams in chunks of whole rows with
// several chunks in flight: while the device quantizes one, the caller fills
// the next (straight into device memory, or into staging memory the copy
// queue uploads; see InputPath) and consumes the oldest one's bytes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gguf/error.h"
#include "gguf/compat/llama_release.h"
#include "gguf/format/tensor_type.h"

namespace gguf::quant {
class ThreadPool;
}

namespace gguf::quant::vk {

// How a chunk reaches the shaders: written by the host into staging memory
// and copied into device memory (on the copy queue where there is one), read
// by the shaders from the staging memory itself over the bus, or written by
// the host straight into device memory it can map. Measured on an H100
// (PCIe 5): copying moves ~29 GB/s, the shaders' reads are slower, the
// host's writes reach ~30 GB/s and leave the device only the shaders to run.
enum class InputPath { copy, device_reads_host, host_writes_device };

struct DeviceRequest {
    bool discrete_only = false;  // --device auto: a discrete GPU or nothing
    int index = -1;              // --device vulkan:N; -1 picks the best device
    // Tuning (benchmarks): f32 bytes per chunk, 0 for the default; the input
    // path, host_writes_device by default where the device has memory the
    // host can map (copy where it has not, or none is left).
    uint64_t chunk_bytes = 0;
    InputPath input_path = InputPath::host_writes_device;
    // Whose bytes the shaders give where releases differ (IQ1_M).
    LlamaRelease release = kNewestRelease;
    // Tests: the buffer allocation of this number (counted from 1 over the
    // quantizer's life) fails as if the device had no memory left; 0 never.
    uint64_t fail_buffer_at = 0;
    // Benchmarks: keep what the driver says of each pipeline it builds
    // (GpuQuantizer::pipeline_statistics), where the device reports it
    // (VK_KHR_pipeline_executable_properties).
    bool pipeline_statistics = false;
    // Tests: this type's shaders seem miscompiled: the first byte of each
    // chunk quantized to it, or read from it, comes back inverted (see
    // agrees_with_cpu, reads_as_cpu).
    std::optional<TensorType> garbled_type;
};

// The driver's figures for one pipeline: on NVIDIA, registers, local and
// shared memory an invocation or workgroup takes, which bound how many
// invocations run at once.
struct PipelineStatistics {
    std::string shader;           // Spirv::name
    std::array<int32_t, 2> spec;  // its specialization constants
    std::vector<std::pair<std::string, uint64_t>> values;  // the driver's names, in its order
};

// The quantizer's device buffers: allocations tried, buffers allocated and
// not yet freed, and those a chunk slot or lattice table keeps. Between
// calls live == held: no path, failing or not, drops a buffer unfreed.
struct BufferCounts {
    uint64_t attempted = 0;
    uint64_t live = 0;
    uint64_t held = 0;
};

// What the producer of a chunk reports: its row count, the importance weights
// for its rows (empty, or one per column), whether it already wrote the
// chunk's bytes itself (rows the device must not quantize, e.g. non-finite),
// and what it wrote: floats (F32), or the rows' blocks of `source` as a file
// holds them, in the same memory, which the device turns into floats itself
// (a type GpuQuantizer::dequantizes).
struct ChunkShape {
    uint64_t rows = 0;
    std::span<const float> weights;
    bool done_on_cpu = false;
    TensorType source = TensorType::F32;
};

// Where the time of the last stream went: host seconds, and device seconds
// read from timestamps (zero where the device keeps none).
struct StreamProfile {
    uint64_t chunks = 0;
    double fill_s = 0;       // host: producing chunks (reading, converting)
    double wait_s = 0;       // host: waiting for a slot (the device, or the consumer to be done with it)
    double consume_s = 0;    // consumer thread: handing quantized bytes on
    double upload_s = 0;     // device: copying inputs in
    double compute_s = 0;    // device: the shaders and copying bytes out
    double wall_s = 0;
    bool copy_queue = false;  // uploads ran on a copy queue beside the shaders
    InputPath input_path = InputPath::copy;
};

class GpuQuantizer {
public:
    struct State;

    // Chooses the device `request` asks for (an error where Vulkan cannot
    // load, there is no such device or it lacks what the shaders need) and
    // creates it. Loading the driver and creating the device take tenths of
    // a second on an H100: a caller with other work runs this on a thread
    // of its own.
    static Result<std::unique_ptr<GpuQuantizer>> open(const DeviceRequest& request);
    ~GpuQuantizer();
    GpuQuantizer(const GpuQuantizer&) = delete;
    GpuQuantizer& operator=(const GpuQuantizer&) = delete;

    // "NVIDIA H100 80GB HBM3 (Vulkan device 0)".
    const std::string& device_name() const;
    // Whether the device keeps subnormal floats; where it does not, chunks
    // holding magnitudes near them belong on the CPU (see quant::near_subnormal).
    bool keeps_subnormals() const;
    // The llama.cpp release whose bytes this device's shaders give.
    LlamaRelease release() const;

    // Whether `type` quantizes here as `release`'s ggml does, with
    // importance weights or without.
    static bool supports(TensorType type, bool weighted, LlamaRelease release);

    // Whether this device's shader for `type` gives the CPU core's bytes
    // (quantize_rows under release()) on a fixed sample of rows, weighted or
    // not: a driver that miscompiles a shader is caught before any tensor's
    // bytes depend on it (an H100's driver once garbled every IQ1_M block
    // that lavapipe got right). Checked once per type and weighting.
    Result<bool> agrees_with_cpu(TensorType type, bool weighted);

    // The same check for reading `source` blocks into floats on the device
    // (dequantize): the CPU core's blocks of a fixed sample, read here and
    // by dequantize_rows, must give the same floats, bit for bit.
    Result<bool> reads_as_cpu(TensorType source);

    // Rows of `row_length` values that one chunk of `type` may hold.
    uint64_t max_chunk_rows(TensorType type, uint64_t row_length) const;
    // Rows of a chunk small enough that uploading, quantizing and filling
    // chunks overlap, large enough to keep the device busy.
    uint64_t preferred_chunk_rows(TensorType type, uint64_t row_length) const;

    // A stream to come: quantizing to `type` rows of `row_length` values,
    // read on the device from blocks of `stored` where it is set.
    struct StreamShape {
        TensorType type = TensorType::F32;
        uint64_t row_length = 0;
        std::optional<TensorType> stored;
    };
    // Sizes the chunk slots, once, for streams of every shape at their
    // preferred chunk rows: otherwise each slot grows at the first stream
    // that needs more, and that stream waits while device memory is made.
    // Shapes the device cannot run are left out, for stream() to refuse.
    Status reserve(std::span<const StreamShape> shapes);

    // Fills chunk k: writes its floats (whole rows) into `values`, or, when it
    // quantizes the chunk itself, its bytes into `bytes`.
    using Produce = std::function<Result<ChunkShape>(uint64_t k, std::span<float> values, std::span<uint8_t> bytes)>;
    // Receives chunk k's quantized bytes, in order, on a thread of its own
    // (see InOrderConsumer) while `produce` fills the next chunks.
    using Consume = std::function<Status(uint64_t k, std::span<const uint8_t> bytes)>;
    // Writes chunk k's bytes on the CPU: the device dequantized the chunk's
    // blocks into values its quantize shaders must not see (non-finite, or
    // near subnormal where the device flushes them). Without it such a chunk
    // is an error.
    using Redo = std::function<Status(uint64_t k, std::span<uint8_t> bytes)>;

    // Quantizes `chunks` chunks of at most `chunk_rows` rows.
    Status stream(TensorType type, uint64_t row_length, uint64_t chunk_rows, uint64_t chunks, const Produce& produce,
                  const Consume& consume, const Redo& redo = {});

    // Whether blocks of `source` turn into floats on the device.
    static bool dequantizes(TensorType source);

    // Whole rows of `source` blocks to floats on the device: the floats of
    // dequantize_rows, bit for bit (NaN payloads included).
    Status dequantize(TensorType source, std::span<const uint8_t> src, uint64_t row_length, std::span<float> dst);

    // Whole rows at once: the same as quantize_rows. With a pool, its threads
    // copy the rows into the device's staging memory.
    Status quantize(TensorType type, std::span<const float> src, uint64_t row_length, std::span<const float> importance,
                    std::span<uint8_t> dst, ThreadPool* pool = nullptr);

    const StreamProfile& last_profile() const;
    BufferCounts buffer_counts() const;
    // One entry per pipeline built so far, in order; empty unless the
    // request asked for them and the device reports them.
    const std::vector<PipelineStatistics>& pipeline_statistics() const;

private:
    explicit GpuQuantizer(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace gguf::quant::vk
