#include "gguf/quant/quantize_tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "gguf/quant/cpu/quantize.h"
#include "../parallel/thread_pool.h"
#ifdef GGUF_MTP_HAVE_VULKAN
#include "vulkan/gpu_quantizer.h"
#endif

namespace gguf {

class Quantizer : public TensorTransformer {
public:
    explicit Quantizer(unsigned threads) : pool(threads) {}
    Status transform(const TransformSource& source, const ByteSink& sink) override;

    quant::ThreadPool pool;
#ifdef GGUF_MTP_HAVE_VULKAN
    std::unique_ptr<quant::vk::GpuQuantizer> gpu;
#endif
};

TensorTransformer& as_transformer(Quantizer& quantizer) { return quantizer; }

std::shared_ptr<Quantizer> make_quantizer(unsigned threads) {
    return std::make_shared<Quantizer>(threads ? threads : std::max(1u, std::thread::hardware_concurrency()));
}

Result<std::shared_ptr<Quantizer>> make_quantizer(unsigned threads, std::string_view device, LlamaRelease release) {
    auto quantizer = make_quantizer(threads);
    if (device == "cpu") return quantizer;
    const bool automatic = device == "auto";
    int index = -1;
    if (!automatic && device != "vulkan") {
        const std::string_view prefix = "vulkan:";
        const auto digits = device.substr(std::min(prefix.size(), device.size()));
        if (!device.starts_with(prefix) || digits.empty() || digits.size() > 4 ||
            digits.find_first_not_of("0123456789") != std::string_view::npos) {
            return fail(ErrorCode::invalid_argument, "", "unknown device '" + std::string(device) + "' (cpu, auto, vulkan or vulkan:N)");
        }
        index = std::stoi(std::string(digits));
    }
#ifdef GGUF_MTP_HAVE_VULKAN
    quant::vk::DeviceRequest request;
    request.discrete_only = automatic;
    request.index = index;
    request.release = release;
    auto gpu = quant::vk::GpuQuantizer::open(request);
    if (gpu) {
        quantizer->gpu = std::move(*gpu);
    } else if (!automatic) {
        return std::unexpected(gpu.error());
    }
    return quantizer;
#else
    (void)index, (void)release;
    if (automatic) return quantizer;
    return fail(ErrorCode::unsupported, "", "this gguf-mtp was built without Vulkan (GGUF_MTP_VULKAN off: glslc or the Vulkan headers were missing)");
#endif
}

std::string quantizer_device(const Quantizer& quantizer) {
#ifdef GGUF_MTP_HAVE_VULKAN
    if (quantizer.gpu) return quantizer.gpu->device_name();
#endif
    return "CPU (" + std::to_string(quantizer.pool.size()) + " threads)";
}

bool quantizer_offloads(const Quantizer& quantizer, TensorType type, bool with_importance, LlamaRelease release, std::string* why) {
#ifdef GGUF_MTP_HAVE_VULKAN
    if (!quantizer.gpu) return false;
    if (quantizer.gpu->release() == release && quant::vk::GpuQuantizer::supports(type, with_importance, release)) return true;
    if (why) {
        *why = quantizer.gpu->release() != release
                   ? "the Vulkan device was opened for llama.cpp " + std::string(rules_of(quantizer.gpu->release()).name) + ", not " +
                         std::string(rules_of(release).name)
                   : std::string(type_display_name(type)) + " has no Vulkan shader yet";
    }
#else
    (void)quantizer, (void)type, (void)with_importance, (void)release, (void)why;
#endif
    return false;
}

bool quantizer_reads(const Quantizer& quantizer, TensorType source, std::string* why) {
#ifdef GGUF_MTP_HAVE_VULKAN
    if (!quantizer.gpu || source == TensorType::F32) return false;
    if (quant::vk::GpuQuantizer::dequantizes(source)) return true;
    if (why) *why = std::string(type_display_name(source)) + " has no Vulkan dequantize shader yet";
#else
    (void)quantizer, (void)source, (void)why;
#endif
    return false;
}

namespace {

// Floats a loading thread converts and checks at once: small enough to stay
// in its cache on the way to the chunk's memory.
constexpr uint64_t kLoadPieceFloats = 16384;

// The first non-finite value of `rows` as an error, or success.
Status check_finite(std::span<const float> rows, uint64_t row_length, uint64_t first_row) {
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!std::isfinite(rows[i])) {
            return fail(ErrorCode::bad_format, "", "row " + std::to_string(first_row + i / row_length) + " holds " +
                                                       (std::isnan(rows[i]) ? "NaN" : "Inf") +
                                                       ": quantizing it would write garbage",
                        Remedy::allow_non_finite);
        }
    }
    return {};
}

// One chunk's rows split across the quantizer's threads.
Status quantize_on_cpu(Quantizer& quantizer, TensorType target, LlamaRelease release, std::span<const float> floats,
                       uint64_t row_length, std::span<const float> weights, std::span<uint8_t> out) {
    const uint64_t n = floats.size() / row_length, out_row = out.size() / std::max<uint64_t>(n, 1);
    std::vector<Status> results(quantizer.pool.size());
    quantizer.pool.run_ranges(n, [&](size_t r, uint64_t first, uint64_t count) {
        results[r] = quantize_rows(target, floats.subspan(first * row_length, count * row_length), row_length, weights,
                                   out.subspan(first * out_row, count * out_row), release);
    });
    for (auto& r : results) {
        if (!r) return r;
    }
    return {};
}

struct ChunkRange {
    uint64_t row, rows;
};

}  // namespace

Status Quantizer::transform(const TransformSource& options, const ByteSink& sink) {
    const TensorInfo& info = options.input.file->tensors()[options.input.tensor_index];
    const uint64_t row_length = info.ne[0];
    const uint64_t rows = info.n_elements() / std::max<uint64_t>(row_length, 1);
    const uint64_t rows_per_matrix = std::max<uint64_t>(info.ne[1], 1);
    auto in_row = row_bytes(info.type, row_length);
    auto out_row = row_bytes(options.target, row_length);
    if (!in_row) return std::unexpected(in_row.error());
    if (!out_row) return std::unexpected(out_row.error());
    if (!options.importance.empty() && options.importance.size() % row_length != 0) {
        return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' have " + std::to_string(options.importance.size()) +
                                                 " values, not a multiple of its row length " + std::to_string(row_length));
    }
    const uint64_t matrices_weighted = options.importance.size() / std::max<uint64_t>(row_length, 1);
    if (matrices_weighted > 1 && matrices_weighted * rows_per_matrix != rows) {
        return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' cover " + std::to_string(matrices_weighted) +
                                                 " matrices, the tensor has " + std::to_string(rows / rows_per_matrix));
    }
    uint64_t chunk_rows = std::clamp<uint64_t>(options.chunk_bytes / (row_length * 4), 1, rows_per_matrix);
#ifdef GGUF_MTP_HAVE_VULKAN
    const bool on_gpu = quantizer_offloads(*this, options.target, matrices_weighted > 0, options.release);
    if (on_gpu) chunk_rows = std::max<uint64_t>(1, std::min(chunk_rows, gpu->preferred_chunk_rows(options.target, row_length)));
#endif
    // Chunks never cross a matrix: each expert has its own weights.
    std::vector<ChunkRange> chunks;
    for (uint64_t row = 0; row < rows;) {
        const uint64_t matrix_end = (row / rows_per_matrix + 1) * rows_per_matrix;
        chunks.push_back({row, std::min(chunk_rows, matrix_end - row)});
        row += chunks.back().rows;
    }
    // The input's bytes are read (pread), not touched through its mapping: a
    // file that shrinks under the quantizer is then an error naming it, not
    // a SIGBUS. Each thread reads its own rows.
    const GgufFile& input = *options.input.file;
    const size_t input_index = options.input.tensor_index;
    // Chunk k's floats, converted by all the quantizer's threads (a GPU
    // waits on this), and whether they are all finite and, when asked,
    // whether some are near the subnormal range.
    struct Loaded {
        bool finite = true, near_subnormal = false;
    };
    // A GPU's staging memory may be device memory the host writes
    // quickly but reads back uncached, very slowly: floats bound there
    // (`staging`) go through a small buffer of each thread's and are
    // checked in it on the way.
    auto load = [&](const ChunkRange& c, std::span<float> floats, bool scan_subnormal, bool staging) -> Result<Loaded> {
        std::vector<Result<Loaded>> results(pool.size(), Loaded{});
        const uint64_t piece_rows = staging ? std::max<uint64_t>(1, kLoadPieceFloats / row_length) : c.rows;
        pool.run_ranges(c.rows, [&](size_t p, uint64_t first, uint64_t count) {
            std::vector<float> buffer;
            std::vector<uint8_t> raw;
            for (uint64_t row = first; row < first + count; row += piece_rows) {
                const uint64_t n = std::min(piece_rows, first + count - row);
                auto values = floats.subspan(row * row_length, n * row_length);
                if (staging) {
                    buffer.resize(values.size());
                    values = buffer;
                }
                const uint64_t at = (c.row + row) * *in_row;
                Status status;
                if (info.type == TensorType::F32) {  // the floats as they are: read them in place
                    status = input.read_tensor_data(input_index, at, std::span(reinterpret_cast<uint8_t*>(values.data()), n * *in_row));
                } else {
                    raw.resize(n * *in_row);
                    status = input.read_tensor_data(input_index, at, raw);
                    if (status) status = dequantize_rows(info.type, raw, row_length, values);
                }
                if (status && !options.allow_non_finite) status = check_finite(values, row_length, c.row + row);
                if (!status) {
                    results[p] = std::unexpected(status.error());
                    return;
                }
                Loaded& loaded = *results[p];
                if (options.allow_non_finite) loaded.finite = loaded.finite && std::ranges::all_of(values, [](float v) { return std::isfinite(v); });
#ifdef GGUF_MTP_HAVE_VULKAN
                if (scan_subnormal) loaded.near_subnormal = loaded.near_subnormal || quant::vk::near_subnormal(values);
#else
                (void)scan_subnormal;
#endif
                if (staging) std::memcpy(floats.data() + row * row_length, values.data(), values.size() * sizeof(float));
            }
        });
        Loaded all;
        for (auto& r : results) {
            if (!r) return r;  // the first failing rows, in row order
            all.finite = all.finite && r->finite;
            all.near_subnormal = all.near_subnormal || r->near_subnormal;
        }
        return all;
    };
    auto weights_for = [&](const ChunkRange& c) -> std::span<const float> {
        if (matrices_weighted == 0) return {};
        const uint64_t m = matrices_weighted == 1 ? 0 : c.row / rows_per_matrix;
        return std::span(options.importance).subspan(m * row_length, row_length);
    };
#ifdef GGUF_MTP_HAVE_VULKAN
    if (on_gpu) {
        auto& gpu = *this->gpu;
        const bool reads_on_gpu = quantizer_reads(*this, info.type);
        // Chunk k on the CPU from the file again (staging memory may be slow to read).
        auto redo_on_cpu = [&](uint64_t k, std::span<uint8_t> bytes) -> Status {
            const ChunkRange& c = chunks[k];
            std::vector<float> floats(c.rows * row_length);
            auto loaded = load(c, floats, false, false);  // the CPU path's error for non-finite rows
            if (!loaded) return std::unexpected(loaded.error());
            return quantize_on_cpu(*this, options.target, options.release, floats, row_length, weights_for(c), bytes);
        };
        return gpu.stream(
            options.target, row_length, chunk_rows, chunks.size(),
            [&](uint64_t k, std::span<float> values, std::span<uint8_t> bytes) -> Result<quant::vk::ChunkShape> {
                const ChunkRange& c = chunks[k];
                // Blocks the device reads go up as the file holds them (fewer
                // bytes than floats); it flags chunks whose values it must
                // not quantize, and redo below takes them.
                if (reads_on_gpu && (gpu.keeps_subnormals() || !quant::vk::near_subnormal(weights_for(c)))) {
                    // Every thread reads its rows straight into the staging memory.
                    auto* staging = reinterpret_cast<uint8_t*>(values.data());
                    std::vector<Status> read(pool.size());
                    pool.run_ranges(c.rows, [&](size_t p, uint64_t first, uint64_t count) {
                        read[p] = input.read_tensor_data(input_index, (c.row + first) * *in_row,
                                                         std::span(staging + first * *in_row, count * *in_row));
                    });
                    for (auto& r : read) {
                        if (!r) return std::unexpected(r.error());
                    }
                    return quant::vk::ChunkShape{c.rows, weights_for(c), false, info.type};
                }
                const auto floats = values.first(c.rows * row_length);
                const bool flushes = !gpu.keeps_subnormals();
                auto loaded = load(c, floats, flushes, true);
                if (!loaded) return std::unexpected(loaded.error());
                const auto weights = weights_for(c);
                // Non-finite values, and on devices that flush subnormals, magnitudes near them: the CPU's job.
                const bool cpu = !loaded->finite || (flushes && (loaded->near_subnormal || quant::vk::near_subnormal(weights)));
                if (cpu) {
                    auto status = redo_on_cpu(k, bytes.first(c.rows * *out_row));
                    if (!status) return std::unexpected(status.error());
                }
                return quant::vk::ChunkShape{c.rows, weights, cpu};
            },
            [&](uint64_t, std::span<const uint8_t> bytes) { return sink(bytes); }, redo_on_cpu);
    }
#endif
    std::vector<float> floats;
    std::vector<uint8_t> out;
    for (const auto& c : chunks) {
        floats.resize(c.rows * row_length);
        auto loaded = load(c, floats, false, false);
        if (!loaded) return std::unexpected(loaded.error());
        out.resize(c.rows * *out_row);
        auto status = quantize_on_cpu(*this, options.target, options.release, floats, row_length, weights_for(c), out);
        if (!status) return status;
        status = sink(out);
        if (!status) return status;
    }
    return {};
}

}  // namespace gguf
