// What every back end does unless it knows better: a back end that cannot
// stop between chunks quantizes them all.
#include "backend.h"

#include "tensor_chunks.h"

namespace gguf::quant {

Result<uint64_t> Backend::run_until(TensorChunks& tensor, const ByteSink& sink, const std::function<bool()>&) {
    if (auto done = run(tensor, sink); !done) return std::unexpected(done.error());
    return tensor.rows();
}

}  // namespace gguf::quant
