// The CPU back end: each chunk read and converted, then quantized, by all
// the pool's threads in turn.
#include <vector>

#include "../parallel/thread_pool.h"
#include "backend.h"
#include "tensor_chunks.h"

namespace gguf::quant {
namespace {

class CpuBackend : public Backend {
public:
    explicit CpuBackend(ThreadPool& pool) : pool_(pool) {}

    std::string name() const override { return "CPU (" + std::to_string(pool_.size()) + " threads)"; }

    bool quantizes(TensorType, bool, LlamaRelease, std::string*) const override { return true; }

    bool reads(TensorType, std::string*) const override { return true; }

    Status run(TensorChunks& tensor, const ByteSink& sink) override {
        std::vector<float> floats;
        std::vector<uint8_t> out;
        for (const auto& c : tensor.chunks()) {
            floats.resize(c.rows * tensor.row_length());
            auto loaded = tensor.load(pool_, c, floats, false, false);
            if (!loaded) return std::unexpected(loaded.error());
            out.resize(c.rows * tensor.out_row_bytes());
            auto status = tensor.quantize_on_cpu(pool_, c, floats, out);
            if (!status) return status;
            status = sink(out);
            if (!status) return status;
        }
        return {};
    }

private:
    ThreadPool& pool_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(ThreadPool& pool) { return std::make_unique<CpuBackend>(pool); }

}  // namespace gguf::quant
