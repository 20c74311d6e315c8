// Running a quantize plan's TransformSources: rows are read
// (F32, F16, BF16 or any type the core can dequantize), converted to f32 and
// quantized a chunk at a time on a pool of threads, so memory stays bounded
// by the chunk, not by the tensor. Each chunk's rows are split across the
// threads; results are byte-identical whatever the thread count.
//
// Thread safety: a Quantizer runs one tensor at a time (it spreads that
// tensor over its own threads); sharing one between threads needs the
// caller's lock. Separate Quantizers are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/compat/llama_release.h"
#include "gguf/split/model.h"
#include "gguf/plan/plan.h"
#include "gguf/format/tensor_type.h"

namespace gguf {

// One kind of tensor to quantize: stored as `from`, written as `to`, with
// importance weights or not, in rows of `row_length` values (0: not known).
struct QuantizeWork {
    TensorType from = TensorType::F32;
    TensorType to = TensorType::F32;
    bool weighted = false;
    uint64_t row_length = 0;
    auto operator<=>(const QuantizeWork&) const = default;
};

// A thread pool, and the GPU where one was asked for, shared by every tensor
// of one run; as a TensorTransformer it writes a quantize plan's tensors.
class Quantizer;

// Threads for a run: 0 means every hardware thread.
std::shared_ptr<Quantizer> make_quantizer(unsigned threads);

// The same, with the kernels on `device`: "cpu"; "vulkan" (the best Vulkan
// device) or "vulkan:N" (device N); "auto", a discrete GPU through Vulkan
// when there is one, else the CPU. Types without a shader, and chunks a GPU
// could not quantize exactly (non-finite values), still run on the CPU
// threads. The GPU's shaders give `release`'s bytes.
// The GPU is chosen and opened on a thread of its own while the CPU
// quantizes the first tensors, so this returns at once. Its only errors are
// an unknown device and, for "vulkan" or "vulkan:N", a build without Vulkan.
// Where those find no such device, or one lacking what the bit-exact shaders
// need, quantizer_settle gives the error, and so does writing (the first
// tensor after the opening failed, or TensorTransformer::finish).
// `expected`: the kinds of tensor the run will quantize, as far as the caller
// knows them. The GPU prepares each (its shaders made and checked against the
// CPU core, its buffers sized for the longest rows) before it calls itself
// ready, so the tensors it takes later pay none of that, and the CPU
// quantizes in the meantime.
Result<std::shared_ptr<Quantizer>> make_quantizer(unsigned threads, std::string_view device, LlamaRelease release = kNewestRelease,
                                                  std::vector<QuantizeWork> expected = {});

// Waits for the GPU still opening. One that "auto" found but could not open
// is dropped (the CPU runs every tensor); one asked for by name gives its
// error, again on every call. Writing settles by itself; call this before
// quantizer_device to name the device that will quantize.
Status quantizer_settle(Quantizer& quantizer);

// What a quantizer runs on, for messages: "CPU (16 threads)" or the GPU's
// name, which waits for a GPU still opening.
std::string quantizer_device(const Quantizer& quantizer);

// Where the GPU's time went so far, in one line: tensors, chunks, host and
// device seconds, and the tensors the CPU took while the device opened.
// Empty without a GPU.
std::string quantizer_activity(const Quantizer& quantizer);

// What the user should hear of the GPU even without --verbose, one line
// each: types it passed on to the CPU because its bytes for them were not
// the CPU core's.
std::vector<std::string> quantizer_warnings(const Quantizer& quantizer);

// Whether tensors of `type` (with importance weights or not) quantized as
// `release` does run on the quantizer's GPU; where they do not, and a GPU is
// in use, *why says so.
bool quantizer_offloads(const Quantizer& quantizer, TensorType type, bool with_importance, LlamaRelease release,
                        std::string* why = nullptr);

// Whether rows stored as `source` go to the quantizer's GPU as they are and
// turn into floats there (F32 rows go as they are anyway); where they do not,
// and a GPU is in use, *why says so.
bool quantizer_reads(const Quantizer& quantizer, TensorType source, std::string* why = nullptr);

// The quantizer as the writer runs it (WriteOptions::transformer): it reads
// each TransformSource's rows (F32, F16, BF16 or any type the core can
// dequantize), converts them to f32 and quantizes them a chunk at a time.
TensorTransformer& as_transformer(Quantizer& quantizer);

}  // namespace gguf
