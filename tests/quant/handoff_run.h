// Runs one tensor as the quantizer does while a GPU is still opening: one
// back end quantizes chunks until it is told to stop, another the rest.
#pragma once

#include <cstdint>
#include <vector>

#include "quant/backend.h"
#include "quant/tensor_chunks.h"

namespace gguf_test {

struct Handoff {
    std::vector<uint8_t> bytes;  // both back ends' bytes, in order
    uint64_t stopped = 0;        // the row where `first` left off
};

// `first` stops once it has quantized `chunks` chunks; `second` takes the
// rest, if any.
inline gguf::Result<Handoff> run_handed_over(gguf::quant::Backend& first, gguf::quant::Backend& second, const gguf::TransformSource& source,
                                             uint64_t chunks) {
    auto tensor = gguf::quant::TensorChunks::make(source);
    if (!tensor) return std::unexpected(tensor.error());
    Handoff h;
    const gguf::ByteSink sink = [&h](std::span<const uint8_t> piece) -> gguf::Status {
        h.bytes.insert(h.bytes.end(), piece.begin(), piece.end());
        return {};
    };
    uint64_t asked = 0;
    auto stopped = first.run_until(*tensor, sink, [&asked, chunks] { return asked++ == chunks; });
    if (!stopped) return std::unexpected(stopped.error());
    h.stopped = *stopped;
    if (h.stopped < tensor->rows()) {
        tensor->start_at(h.stopped);
        if (auto rest = second.run(*tensor, sink); !rest) return std::unexpected(rest.error());
    }
    return h;
}

}  // namespace gguf_test
