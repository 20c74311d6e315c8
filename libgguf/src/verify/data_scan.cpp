// The tensor data scan: every block of every tensor, read (pread, or range
// requests for a URL) in chunks spread over threads, so a file that
// shrinks or fails mid-scan is a finding, not a SIGBUS. Each tensor with bad values gets
// one finding naming its first bad block (or element) and how many there
// are, so a file full of NaNs still reads as one line per tensor.
#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>

#include "../parallel/thread_pool.h"
#include "checks.h"
#include "data_rules.h"

namespace gguf::detail {
namespace {

constexpr uint64_t kChunkBytes = uint64_t(16) << 20;

struct Chunk {
    size_t tensor = 0;  // index into model.tensors()
    uint64_t first_block = 0;
    uint64_t blocks = 0;
    uint32_t block_bytes = 0;  // the unit scanned: a block, or a byte (scan_unit_bytes)
};

// Bytes of the unit a tensor is scanned in: its blocks where fields of them
// are checked, else single bytes, which also walks ik_llama.cpp's types
// whose rows carry metadata before their blocks (and I2_S's trailer), whose
// sizes are not whole blocks.
uint32_t scan_unit_bytes(TensorType type, const TypeTraits& traits) {
    return checked_fields(type).empty() ? 1 : traits.block_bytes * checked_unit_blocks(type);
}

struct ChunkResult {
    std::optional<Error> unread;  // the chunk's bytes could not be read
    uint64_t bad_blocks = 0;
    uint64_t first_bad = UINT64_MAX;  // block index within the tensor
    const CheckedField* field = nullptr;
    std::string_view problem;
};

// `data` holds the chunk's blocks, the first at data[0].
ChunkResult scan_chunk(std::span<const uint8_t> data, uint32_t block_bytes, std::span<const CheckedField> fields,
                       const Chunk& chunk) {
    ChunkResult r;
    for (uint64_t b = chunk.first_block; b < chunk.first_block + chunk.blocks; ++b) {
        const uint8_t* block = data.data() + (b - chunk.first_block) * block_bytes;
        for (const auto& f : fields) {
            const auto problem = field_problem(f.kind, block + (f.offset < 0 ? block_bytes + f.offset : f.offset));
            if (problem.empty()) continue;
            if (r.bad_blocks++ == 0) {
                r.first_bad = b;
                r.field = &f;
                r.problem = problem;
            }
            break;
        }
    }
    return r;
}

Finding describe(const Model& model, TensorRef ref, const TypeTraits& traits, const ChunkResult& bad) {
    const TensorInfo& t = model.info(ref);
    const GgufFile& file = model.shard(ref.shard);
    // A unit of an interleaving repack holds one block of each row of its group.
    const uint32_t unit_blocks = checked_unit_blocks(t.type);
    const uint64_t unit_bytes = uint64_t(traits.block_bytes) * unit_blocks;
    const uint64_t blocks = t.n_bytes / unit_bytes;
    const uint64_t row = bad.first_bad / (t.ne[0] / traits.block_size) * unit_blocks;
    const uint64_t field_at = bad.field->offset < 0 ? unit_bytes + bad.field->offset : bad.field->offset;
    const bool elements = traits.block_size == 1;
    const std::string rows = unit_blocks == 1 ? "row " + std::to_string(row)
                                              : "rows " + std::to_string(row) + "-" + std::to_string(row + unit_blocks - 1);
    std::string message = "tensor '" + t.name + "' (" + std::string(type_display_name(t.type)) + "): " +
                          (elements ? "element " : unit_blocks == 1 ? "block " : "block group ") + std::to_string(bad.first_bad) +
                          " of " + std::to_string(blocks) + " (" + rows + ") " +
                          (elements ? "is " + std::string(bad.problem)
                                    : "has " + std::string(bad.problem) + " in " + std::string(bad.field->name)) +
                          "; " + std::to_string(bad.bad_blocks) + (elements ? " invalid value" : " invalid block") +
                          (bad.bad_blocks == 1 ? "" : "s") + " in this tensor";
    const uint64_t offset = file.tensor_file_offset(ref.index) + bad.first_bad * unit_bytes + field_at;
    return make_finding(Check::tensor_data, Severity::error, Error{ErrorCode::bad_format, file.path(), offset, std::move(message)},
                        t.name);
}

}  // namespace

void scan_tensor_data(const Model& model, const VerifyOptions& options, VerifyReport& report) {
    const auto& refs = model.tensors();
    std::vector<Chunk> chunks;
    Progress progress;
    progress.tensors_total = refs.size();
    for (size_t i = 0; i < refs.size(); ++i) {
        const TensorInfo& t = model.info(refs[i]);
        const uint32_t unit = scan_unit_bytes(t.type, *type_traits(static_cast<uint32_t>(t.type)));
        const uint64_t blocks = t.n_bytes / unit;
        const uint64_t per_chunk = std::max<uint64_t>(1, kChunkBytes / unit);
        for (uint64_t b = 0; b < blocks; b += per_chunk) chunks.push_back({i, b, std::min(per_chunk, blocks - b), unit});
        progress.bytes_total += t.n_bytes;
    }

    const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    quant::ThreadPool pool(threads);
    std::vector<ChunkResult> results(chunks.size());
    // One chunk buffer per thread at work, taken and given back.
    std::mutex buffers_mutex;
    std::vector<std::vector<uint8_t>> buffers;
    const size_t batch = size_t(threads) * 4;
    for (size_t begin = 0; begin < chunks.size(); begin += batch) {
        const size_t end = std::min(chunks.size(), begin + batch);
        pool.run(end - begin, [&](size_t k) {
            const Chunk& c = chunks[begin + k];
            const TensorRef ref = refs[c.tensor];
            const TensorInfo& t = model.info(ref);
            const uint32_t block_bytes = c.block_bytes;
            std::vector<uint8_t> bytes;
            {
                std::lock_guard lock(buffers_mutex);
                if (!buffers.empty()) bytes = std::move(buffers.back()), buffers.pop_back();
            }
            bytes.resize(c.blocks * block_bytes);
            if (auto read = model.shard(ref.shard).read_tensor_data(ref.index, c.first_block * block_bytes, bytes); read) {
                results[begin + k] = scan_chunk(bytes, block_bytes, checked_fields(t.type), c);
            } else {
                results[begin + k].unread = read.error();
            }
            std::lock_guard lock(buffers_mutex);
            buffers.push_back(std::move(bytes));
        });
        for (size_t k = begin; k < end; ++k) {
            const Chunk& c = chunks[k];
            progress.bytes_done += c.blocks * c.block_bytes;
            if (k + 1 < chunks.size() && chunks[k + 1].tensor != c.tensor) progress.tensors_done = chunks[k + 1].tensor;
        }
        if (end == chunks.size()) progress.tensors_done = refs.size();
        if (options.on_progress) options.on_progress(progress);
    }
    report.bytes_scanned += progress.bytes_done;

    // A file that cannot be read is one finding, its first failed read.
    for (const auto& r : results) {
        if (!r.unread) continue;
        report.findings.push_back(make_finding(Check::tensor_data, Severity::error, *r.unread));
        break;
    }
    // Chunks come in tensor order, so one pass merges each tensor's results.
    for (size_t k = 0; k < chunks.size();) {
        const size_t tensor = chunks[k].tensor;
        ChunkResult merged;
        for (; k < chunks.size() && chunks[k].tensor == tensor; ++k) {
            const ChunkResult& r = results[k];
            if (r.bad_blocks && merged.bad_blocks == 0) merged = r;
            else merged.bad_blocks += r.bad_blocks;
        }
        if (merged.bad_blocks == 0) continue;
        const auto traits = *type_traits(static_cast<uint32_t>(model.info(refs[tensor]).type));
        report.findings.push_back(describe(model, refs[tensor], traits, merged));
    }
}

}  // namespace gguf::detail
