// One tensor of a quantize plan cut into chunks of whole rows, and what any
// back end does with a chunk on the host: read its rows, turn them into
// floats, check them, or quantize them on the CPU threads. Chunks never
// cross a matrix: each expert has its own importance weights. Chunks, and
// the threads' shares of a chunk, hold whole groups of an interleaved source
// type's rows (ik_llama.cpp's _R4 ...), which only dequantize together, and
// every chunk reads with the tensor's trailer (ik's I2_S keeps its scale there).
//
// Not thread-safe: one back end runs a TensorChunks at a time; the methods
// taking a ThreadPool spread their own work over it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gguf/error.h"
#include "gguf/plan/plan.h"
#include "gguf/quant/cpu/tensor_row_reader.h"

namespace gguf::quant {

class ThreadPool;

struct ChunkRange {
    uint64_t row = 0, rows = 0;
};

// What loading a chunk's floats found out.
struct LoadedChunk {
    bool finite = true;          // only looked at where non-finite values are allowed
    bool near_subnormal = false;  // only looked at where asked
};

class TensorChunks {
public:
    // Checks the source's importance weights against its shape, and cuts
    // chunks of source.chunk_bytes of floats (cut() may cut smaller ones).
    static Result<TensorChunks> make(const TransformSource& source);

    // Re-cuts the chunks to at most `chunk_rows` rows (at least one group
    // of interleaved rows).
    void cut(uint64_t chunk_rows);

    // Drops the rows before `row`, a chunk's first row: another back end
    // quantized them. The chunks left keep their size.
    void start_at(uint64_t row);

    const TransformSource& source() const { return *source_; }
    const TensorInfo& info() const;
    uint64_t row_length() const { return stored_.row_length(); }
    uint64_t chunk_rows() const { return chunk_rows_; }
    uint64_t rows() const { return rows_; }
    uint64_t in_row_bytes() const { return stored_.row_bytes(); }
    uint64_t out_row_bytes() const { return out_row_; }
    bool weighted() const { return matrices_weighted_ > 0; }
    const std::vector<ChunkRange>& chunks() const { return chunks_; }

    // The importance weights of chunk c's matrix (empty without any).
    std::span<const float> weights_for(const ChunkRange& c) const;

    // Chunk c's rows as floats, read (pread, so a file that shrinks is an
    // error naming it, not a SIGBUS) and converted by every thread of
    // `pool`. Non-finite rows are an error unless the source allows them.
    // `staging`: `floats` is memory the host writes fast but reads slowly
    // (a GPU's), so each thread converts into a small buffer first.
    Result<LoadedChunk> load(ThreadPool& pool, const ChunkRange& c, std::span<float> floats, bool scan_subnormal,
                             bool staging) const;

    // Chunk c's rows as the file stores them, read by every thread of `pool`.
    Status read_stored(ThreadPool& pool, const ChunkRange& c, std::span<uint8_t> bytes) const;

    // Chunk c quantized from its floats on the threads of `pool`.
    Status quantize_on_cpu(ThreadPool& pool, const ChunkRange& c, std::span<const float> floats,
                           std::span<uint8_t> out) const;

private:
    TensorChunks(const TransformSource& source, TensorRowReader stored) : source_(&source), stored_(std::move(stored)) {}

    const TransformSource* source_;
    TensorRowReader stored_;  // chunks hold whole groups of its interleaved rows (group_rows), which it reads without waste
    uint64_t rows_ = 0, rows_per_matrix_ = 1;
    uint64_t first_row_ = 0;  // rows before it are another back end's
    uint64_t out_row_ = 0;
    uint64_t matrices_weighted_ = 0;
    uint64_t chunk_rows_ = 1;
    std::vector<ChunkRange> chunks_;
};

// Whether floats this small or large could make a quantizer's intermediate
// results subnormal, which a device that flushes subnormals would round
// differently from the CPU.
bool near_subnormal(std::span<const float> values);

}  // namespace gguf::quant
