// Output plans: what a command wants written, before any byte is written.
//
// Every command (extract, strip, merge, split, join, quantize) only builds a
// Plan; one executor (writer.h) writes any plan. A planned tensor's bytes
// come from a tensor of an open input file, copied unchanged or converted
// (quantized) to another type, or from a function that produces them.
//
// Thread safety: a Plan is a plain value that write_plan only reads. A
// TensorTransformer runs one tensor at a time unless it says otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <variant>
#include <vector>

#include "gguf/compat/llama_release.h"
#include "gguf/error.h"
#include "gguf/format/gguf_file.h"
#include "gguf/format/metadata.h"
#include "gguf/split/model.h"
#include "gguf/format/tensor_info.h"

namespace gguf {

// Bytes of an input tensor, copied as they are. The plan refers to the open
// input: keep the Model alive until the plan is written.
struct CopySource {
    const GgufFile* file = nullptr;
    size_t tensor_index = 0;
};

// Produces a tensor's bytes into `out` (exactly the tensor's n_bytes), for
// tensors small enough to hold whole.
using FillSource = std::function<Status(std::span<uint8_t> out)>;

// Produces a tensor's bytes in order, piece by piece, through `sink`, so
// memory stays bounded by the piece whatever the tensor's size (quantizing
// streams rows this way). The pieces must add up to the tensor's n_bytes.
using ByteSink = std::function<Status(std::span<const uint8_t> piece)>;
using StreamSource = std::function<Status(const ByteSink& sink)>;

// An input tensor converted to `target`: its rows read, turned into floats
// and quantized (with `importance` weights) a chunk at a time. The plan only
// says so; the writer's TensorTransformer (WriteOptions::transformer) does
// it. So a plan stays data that can be listed and checked without a thread
// pool or a GPU existing.
struct TransformSource {
    CopySource input;
    TensorType target = TensorType::F32;
    // Empty, or one row of weights per matrix (expert): matrices x row length.
    std::vector<float> importance;
    uint64_t chunk_bytes = 64ull << 20;  // f32 input per chunk; results do not depend on it
    bool allow_non_finite = false;       // quantize NaN/Inf rows instead of refusing them
    LlamaRelease release = kNewestRelease;  // whose ggml the bytes match
};

// What runs a plan's TransformSources: produces the converted tensor's bytes
// in order through `sink` (the writer checks they add up to its n_bytes).
// It may call `sink` from a thread of its own (a device's chunks are written
// while the next ones are filled), one piece at a time, and only before
// transform() returns.
class TensorTransformer {
public:
    virtual ~TensorTransformer() = default;
    virtual Status transform(const TransformSource& source, const ByteSink& sink) = 0;
    // Called once after the last tensor, before the outputs are committed:
    // work the transformer ran beside the tensors reports its errors here.
    virtual Status finish() { return {}; }
};

struct PlannedTensor {
    TensorInfo info;  // name, type, shape and n_bytes (tensor_bytes of type and shape); the writer sets offset
    std::variant<CopySource, TransformSource, FillSource, StreamSource> source;
};

struct Plan {
    uint32_t version = 3;
    Metadata metadata;
    std::vector<PlannedTensor> tensors;

    // general.alignment when set, else GGUF's default of 32.
    uint64_t alignment() const;
    uint64_t tensor_bytes() const;
};

// A plan that reproduces `model` as one file: its metadata without split
// keys, every tensor copied in set order.
Plan plan_copy(const Model& model);

// The planned tensor that copies `ref` of `model`.
PlannedTensor copy_of(const Model& model, TensorRef ref);

}  // namespace gguf
