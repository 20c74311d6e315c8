// What produced each quantized tensor of an output, recorded in a file
// beside it (never in the GGUF, whose bytes stay llama-quantize's), so that
// a later run can copy a tensor instead of recomputing it (reuse.h).
//
// A tensor's recipe is everything its bytes depend on: the source tensor
// (type, shape and bytes), the importance weights, the target type, the
// llama.cpp release whose ggml the kernels match, and the generation of
// gguf-mtp's kernels (raised whenever a kernel's output could change). The
// kernels are deterministic, so one recipe gives one tensor; the record also
// holds the digest of the bytes written, so a record that no longer fits its
// file is caught rather than trusted.
//
// Thread safety: plain values and functions of their arguments; a
// ProvenanceRecorder follows the TensorTransformer rule (one tensor at a
// time).
#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "gguf/compat/llama_release.h"
#include "gguf/error.h"
#include "gguf/format/gguf_file.h"
#include "gguf/format/tensor_type.h"
#include "gguf/plan/plan.h"

namespace gguf {

// Raise when any quantize kernel's bytes change: every record made before
// then stops matching.
inline constexpr uint32_t kKernelGeneration = 1;

struct TensorRecipe {
    std::string source;      // digest of the source tensor's type, shape and bytes
    std::string importance;  // digest of the importance weights; empty when none
    TensorType target = TensorType::F32;
    LlamaRelease release = kNewestRelease;
    uint32_t kernels = kKernelGeneration;

    bool operator==(const TensorRecipe&) const = default;
};

struct TensorProvenance {
    TensorRecipe recipe;
    std::string output;  // digest of the tensor's bytes as written
    double seconds = 0;  // how long producing them took
};

struct ProvenanceRecord {
    std::map<std::string, TensorProvenance> tensors;  // by tensor name
};

// Where the record of an output lives: beside its (first) file.
inline constexpr const char* kProvenanceSuffix = ".provenance.json";
std::string provenance_path(const std::string& output_file);

// Errors: the file cannot be read, is not a record, or a field is missing or
// of the wrong kind (naming the tensor).
Result<ProvenanceRecord> read_provenance(const std::string& path);
// The record as its file holds it (JSON), for WriteOptions::companion.
std::string provenance_text(const ProvenanceRecord& record);

// Digest of a tensor's bytes as stored (read through the file's own path:
// mapped, streamed or remote).
Result<std::string> tensor_digest(const GgufFile& file, size_t tensor_index);

// Digest of importance weights; empty for none.
std::string importance_digest(std::span<const float> weights);

// The recipe of one quantized tensor: reads its source tensor.
Result<TensorRecipe> recipe_of(const TransformSource& source);

// Wraps the transformer that quantizes a plan's tensors and records, for
// each, its recipe, the digest of the bytes produced and the time taken.
// Sources are digested on threads of their own while tensors quantize: one
// digest, one thread (the hash is sequential), reads about as fast as a fast
// device quantizes, so up to `digests_at_once` of the plan's next sources
// are digested together and the digests stay ahead of the device.
class ProvenanceRecorder final : public TensorTransformer {
public:
    // `plan` names the tensors (it must outlive the recorder); `carried`
    // holds entries for tensors the plan copies from an earlier output.
    ProvenanceRecorder(TensorTransformer& inner, const Plan& plan, ProvenanceRecord carried, unsigned digests_at_once = 1);

    Status transform(const TransformSource& source, const ByteSink& sink) override;
    Status finish() override { return inner_.finish(); }
    const ProvenanceRecord& record() const { return record_; }

private:
    // Starts digesting the sources from `position` on that fit in the
    // window and are not being digested yet.
    void start_digests(size_t position);

    TensorTransformer& inner_;
    // The plan's quantized tensors in the order it writes them; a future's
    // destructor waits for its digest, so none outlives the recorder.
    std::vector<std::pair<const TransformSource*, std::string>> sources_;
    std::unordered_map<const TransformSource*, size_t> positions_;
    std::vector<std::future<Result<TensorRecipe>>> digests_;
    unsigned digests_at_once_;
    ProvenanceRecord record_;
};

}  // namespace gguf
