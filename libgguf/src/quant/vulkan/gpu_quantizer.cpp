#include "gpu_quantizer.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "../../parallel/in_order_consumer.h"
#include "../../parallel/thread_pool.h"
#include "gguf/quant/cpu/quantize.h"
#include "gpu_state.h"

namespace gguf::quant::vk {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// What a stream's chunks of `chunk_rows` rows need of a slot (State::reserve).
struct SlotNeeds {
    uint64_t weights_bytes = 0, values_bytes = 0, out_bytes = 0, rows = 0;
};

SlotNeeds slot_needs(const GpuQuantizer::State& st, const ShaderKernel& kernel, uint64_t row_length, uint64_t chunk_rows) {
    const uint64_t align = std::max<uint64_t>(st.limits.minStorageBufferOffsetAlignment, 16);
    return {align_up(row_length * 4, align), chunk_rows * row_length * 4, chunk_rows * kernel.row_bytes(row_length),
            chunk_rows};
}

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

}  // namespace

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
    const uint64_t by_bytes = range / k->row_bytes(row_length);
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

const std::vector<PipelineStatistics>& GpuQuantizer::pipeline_statistics() const { return state_->statistics; }

BufferCounts GpuQuantizer::buffer_counts() const {
    BufferCounts counts{state_->buffers_attempted, state_->live_buffers, state_->lattices.size()};
    for (const Slot& s : state_->slots) {
        for (const DeviceBuffer* b : {&s.host_in, &s.device_in, &s.device_out, &s.host_out, &s.sigma, &s.encoded, &s.flag, &s.flag_host})
            counts.held += b->buffer != VK_NULL_HANDLE;
    }
    return counts;
}

Status GpuQuantizer::reserve(std::span<const StreamShape> shapes) {
    State& st = *state_;
    SlotNeeds most;
    uint64_t encoded_bytes = 0;
    for (const auto& shape : shapes) {
        const auto* kernel = find_shader(shape.type, st.llama_release);
        const uint64_t n = shape.row_length;
        if (!kernel || n == 0 || n % kernel->unit_values != 0) continue;
        const uint64_t chunk_rows = preferred_chunk_rows(shape.type, n);
        const SlotNeeds needs = slot_needs(st, *kernel, n, chunk_rows);
        most = {std::max(most.weights_bytes, needs.weights_bytes), std::max(most.values_bytes, needs.values_bytes),
                std::max(most.out_bytes, needs.out_bytes), std::max(most.rows, needs.rows)};
        const auto* source = shape.stored ? find_dequantizer(*shape.stored) : nullptr;
        if (source && n % source->unit_values == 0) encoded_bytes = std::max(encoded_bytes, source->encoded_bytes(chunk_rows, n));
    }
    if (most.rows == 0) return {};
    std::lock_guard lock(st.busy);
    if (auto made = st.reserve(most.weights_bytes, most.values_bytes, most.out_bytes, most.rows); !made) return made;
    for (auto& s : st.slots) {
        if (encoded_bytes == 0) break;
        if (auto made = st.reserve_encoded(s, encoded_bytes); !made) return made;
    }
    return {};
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
    const uint64_t out_row = kernel->row_bytes(row_length);
    const SlotNeeds needs = slot_needs(st, *kernel, row_length, chunk_rows);
    if (auto s = st.reserve(needs.weights_bytes, needs.values_bytes, needs.out_bytes, needs.rows); !s) return s;
    if (auto s = st.bind_lattice(kernel->lattice); !s) return s;

    // Chunk k runs in slot k % kSlots. Once the chunks after it are queued
    // (kDeviceLag of them), the host waits for its bytes, redoes it on the CPU
    // if the device flagged it, and hands it to the consumer's thread; the
    // slot is filled again once that thread is done with it. The host then
    // fills, the device quantizes and the consumer writes, all at once.
    constexpr uint64_t kDeviceLag = kSlots / 2;
    st.profile = {};
    st.profile.copy_queue = st.copy_queue;
    st.profile.input_path = st.input_path;
    const auto stream_start = Clock::now();
    std::array<std::span<uint8_t>, kSlots> finished_bytes;
    InOrderConsumer consumer([&](uint64_t k) {
        const auto start = Clock::now();
        Status consumed = consume(k, finished_bytes[k % kSlots]);
        st.profile.consume_s += seconds_since(start);
        return consumed;
    });
    uint64_t settled = 0;  // chunks the device finished and the consumer was given
    auto settle_next = [&]() -> Status {
        const uint64_t k = settled;
        Slot& s = st.slots[k % kSlots];
        if (auto w = st.wait(s); !w) return w;
        const auto bytes = std::span(static_cast<uint8_t*>(s.host_out.mapped), s.out_bytes);
        if (s.dequantized && *static_cast<const uint32_t*>(s.flag_host.mapped) != 0) {
            if (!redo) return fail(ErrorCode::bad_format, "", "chunk " + std::to_string(k) + " holds values the device cannot quantize exactly");
            if (auto redone = redo(k, bytes); !redone) return redone;
        } else if ((st.garbled_type == type || (s.dequantized && st.garbled_type == s.read_as)) && !bytes.empty()) {
            bytes[0] = static_cast<uint8_t>(~bytes[0]);
        }
        finished_bytes[k % kSlots] = bytes;
        consumer.release(++settled);
        return {};
    };
    Status status;
    for (uint64_t k = 0; k < chunks && status; ++k) {
        Slot& s = st.slots[k % kSlots];
        if (k >= kSlots) {
            const auto wait_start = Clock::now();
            status = consumer.wait_consumed(k - kSlots + 1);
            st.profile.wait_s += seconds_since(wait_start);
            if (!status) break;
        }
        auto* base = static_cast<uint8_t*>(s.host_in.mapped);
        const auto fill_start = Clock::now();
        auto shape = produce(k, std::span(reinterpret_cast<float*>(base + s.weights_bytes), chunk_rows * row_length),
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
            s.read_as = shape->source;
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
        if (k >= kDeviceLag) status = settle_next();
    }
    while (status && settled < chunks) status = settle_next();
    if (status) status = consumer.finish();
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
    const uint64_t out_row = kernel->row_bytes(row_length);
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
        // On the consumer's thread, while the pool fills the next chunks.
        [&](uint64_t k, std::span<const uint8_t> bytes) -> Status {
            std::memcpy(dst.data() + k * chunk_rows * out_row, bytes.data(), bytes.size());
            return {};
        });
}

}  // namespace gguf::quant::vk
