// The CPU back end: each chunk read and converted, then quantized, by all
// the pool's threads in turn.
#include <algorithm>
#include <functional>
#include <vector>

#include "../parallel/thread_pool.h"
#include "backend.h"
#include "tensor_chunks.h"

namespace gguf::quant {
namespace {

// Floats each thread reads, converts and quantizes per chunk. Small chunks
// keep the same few megabytes of buffers hot: a chunk of the whole
// --max-buffer-size first faults in fresh pages for every float and output
// byte, which costs more than a fast kernel's work on them.
constexpr uint64_t kChunkBytesPerThread = 2ull << 20;
// While another back end opens, a chunk's time is also how long that back
// end, once ready, waits to take the rest of the tensor: at 2 MiB a thread,
// an IQ2 chunk on 16 threads keeps an open GPU idle for tenths of a second.
constexpr uint64_t kChunkBytesPerThreadUntilStopped = 256ull << 10;

class CpuBackend : public Backend {
public:
    explicit CpuBackend(ThreadPool& pool) : pool_(pool) {}

    std::string name() const override { return "CPU (" + std::to_string(pool_.size()) + " threads)"; }

    bool quantizes(TensorType, bool, LlamaRelease, std::string*) const override { return true; }

    bool reads(TensorType, std::string*) const override { return true; }

    Status run(TensorChunks& tensor, const ByteSink& sink) override {
        auto done = run_chunks(tensor, sink, [] { return false; }, kChunkBytesPerThread);
        return done ? Status{} : std::unexpected(done.error());
    }

    Result<uint64_t> run_until(TensorChunks& tensor, const ByteSink& sink, const std::function<bool()>& stop) override {
        return run_chunks(tensor, sink, stop, kChunkBytesPerThreadUntilStopped);
    }

private:
    Result<uint64_t> run_chunks(TensorChunks& tensor, const ByteSink& sink, const std::function<bool()>& stop, uint64_t bytes_per_thread) {
        const uint64_t rows = bytes_per_thread * pool_.size() / std::max<uint64_t>(tensor.row_length() * 4, 1);
        tensor.cut(std::min(tensor.chunk_rows(), rows));
        std::vector<float> floats;
        std::vector<uint8_t> out;
        for (const auto& c : tensor.chunks()) {
            if (stop()) return c.row;
            floats.resize(c.rows * tensor.row_length());
            auto loaded = tensor.load(pool_, c, floats, false, false);
            if (!loaded) return std::unexpected(loaded.error());
            out.resize(c.rows * tensor.out_row_bytes());
            auto status = tensor.quantize_on_cpu(pool_, c, floats, out);
            if (status) status = sink(out);
            if (!status) return std::unexpected(status.error());
        }
        return tensor.rows();
    }

    ThreadPool& pool_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(ThreadPool& pool) { return std::make_unique<CpuBackend>(pool); }

}  // namespace gguf::quant
