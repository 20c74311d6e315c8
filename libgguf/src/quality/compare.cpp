#include "gguf/quality/compare.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "../parallel/thread_pool.h"
#include "gguf/mtp/mtp.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/quant/cpu/tensor_row_reader.h"
#include "row_chunks.h"

namespace gguf {
namespace {

// Floats of one side a chunk holds at most (4 MiB): with both sides and
// their stored bytes, a thread at work holds about 12 MiB.
constexpr uint64_t kChunkFloats = uint64_t(1) << 20;

struct Side {
    const Model* model = nullptr;
    TensorRef ref;
    uint64_t row_bytes = 0;
    Result<TensorRowReader> rows;  // opened once for all the tensor's chunks; a failure is reported by its first chunk
};

// A tensor both models hold, as measuring it needs it.
struct Measured {
    Side reference, other;
    uint64_t row_length = 0;
    uint64_t rows_per_matrix = 1;
    std::vector<float> weights;  // empty, one row shared by all matrices, or one row per matrix
};

struct Buffers {
    RowReadBuffers read;
    std::vector<float> reference, other;
};

Side side_of(const Model& model, TensorRef ref, uint64_t row_length) {
    const TensorInfo& t = model.info(ref);
    return {&model, ref, *row_bytes(t.type, row_length), TensorRowReader::open(model.shard(ref.shard), ref.index)};
}

// The chunk's rows of one side as floats, run after run.
Status load_side(const Side& side, const detail::RowChunk& chunk, uint64_t row_length, RowReadBuffers& buffers,
                 std::vector<float>& floats) {
    if (!side.rows) return std::unexpected(side.rows.error());
    floats.resize(chunk.rows * row_length);
    uint64_t at = 0;
    for (const auto& run : chunk.runs) {
        if (auto ok = side.rows->read(run.first, std::span(floats).subspan(at * row_length, run.count * row_length), buffers); !ok) return ok;
        at += run.count;
    }
    return {};
}

Result<ErrorStats> measure_chunk(const Measured& m, const detail::RowChunk& chunk, Buffers& b) {
    for (auto [side, floats] : {std::pair{&m.reference, &b.reference}, std::pair{&m.other, &b.other}}) {
        if (auto loaded = load_side(*side, chunk, m.row_length, b.read, *floats); !loaded) {
            Error e = loaded.error();
            e.message = "tensor '" + side->model->info(side->ref).name + "': " + e.message;
            return std::unexpected(std::move(e));
        }
    }
    ErrorStats stats;
    uint64_t at = 0;
    for (const auto& run : chunk.runs) {
        std::span<const float> weights = m.weights;
        if (m.weights.size() > m.row_length) weights = weights.subspan(run.first / m.rows_per_matrix * m.row_length, m.row_length);
        const uint64_t from = at * m.row_length, n = run.count * m.row_length;
        stats.add_rows(std::span(b.reference).subspan(from, n), std::span(b.other).subspan(from, n), m.row_length, weights);
        at += run.count;
    }
    return stats;
}

// The imatrix's weights for `t` if they fit it (one row shared, or one row
// per matrix, all finite); otherwise none, and a note saying why.
std::vector<float> fitting_weights(const Imatrix& imatrix, const TensorInfo& t, uint64_t matrices, std::vector<TensorNote>& unweighted) {
    std::vector<float> w = imatrix.weights(t.name);
    if (w.empty()) return w;
    const uint64_t row = t.ne[0];
    if (w.size() != row && w.size() != row * matrices) {
        unweighted.push_back({t.name, "imatrix entry has " + std::to_string(w.size()) + " values, expected " + std::to_string(row) +
                                          (matrices > 1 ? " or " + std::to_string(row * matrices) : "")});
        return {};
    }
    if (!std::ranges::all_of(w, [](float v) { return std::isfinite(v); })) {
        unweighted.push_back({t.name, "imatrix entry holds a non-finite value"});
        return {};
    }
    return w;
}

// Why `t` cannot be read as floats, or empty.
std::string refusal_of(const TensorInfo& t) { return dequantize_refusal(t.type, std::max<uint64_t>(t.ne[0], 1)); }

// Sorts the tensors into measured, mismatched, skipped and unmatched.
std::vector<Measured> match_tensors(const Model& reference, const Model& other, const CompareOptions& options,
                                    const MtpBlockRange& mtp, CompareResult& result) {
    std::vector<Measured> measured;
    for (auto ref : reference.tensors()) {
        const TensorInfo& r = reference.info(ref);
        const auto found = other.find(r.name);
        if (!found) {
            result.only_in_reference.push_back(r.name);
            continue;
        }
        const TensorInfo& o = other.info(*found);
        if (r.ne != o.ne) {
            result.shape_mismatches.push_back({r.name, r.ne, o.ne});
            continue;
        }
        const std::string reference_refusal = refusal_of(r), other_refusal = refusal_of(o);
        if (!reference_refusal.empty() || !other_refusal.empty()) {
            const bool reference_reads = reference_refusal.empty();
            result.skipped.push_back({r.name, std::string(type_display_name(reference_reads ? o.type : r.type)) + " in the " +
                                                  (reference_reads ? "other" : "reference") + ": " +
                                                  (reference_reads ? other_refusal : reference_refusal)});
            continue;
        }
        const uint64_t row_length = std::max<uint64_t>(r.ne[0], 1);
        const uint64_t rows = r.n_elements() / row_length;
        const uint64_t rows_per_matrix = std::max<uint64_t>(r.ne[1], 1);
        Measured m{side_of(reference, ref, row_length),
                   side_of(other, *found, row_length),
                   row_length,
                   rows_per_matrix,
                   {}};
        if (options.imatrix) m.weights = fitting_weights(*options.imatrix, r, rows / rows_per_matrix, result.unweighted);
        TensorComparison c;
        c.name = r.name;
        c.role = tensor_role(r.name, mtp);
        c.block = block_number(r.name);
        c.reference_type = r.type;
        c.other_type = o.type;
        c.ne = r.ne;
        c.rows = rows;
        c.weighted = !m.weights.empty();
        result.tensors.push_back(std::move(c));
        measured.push_back(std::move(m));
    }
    for (auto ref : other.tensors()) {
        const std::string& name = other.info(ref).name;
        if (!reference.find(name)) result.only_in_other.push_back(name);
    }
    return measured;
}

// Hands each thread at work a set of buffers, reused from chunk to chunk.
class BufferShelf {
public:
    Buffers take() {
        std::lock_guard lock(mutex_);
        if (shelf_.empty()) return {};
        Buffers b = std::move(shelf_.back());
        shelf_.pop_back();
        return b;
    }
    void give_back(Buffers b) {
        std::lock_guard lock(mutex_);
        shelf_.push_back(std::move(b));
    }

private:
    std::mutex mutex_;
    std::vector<Buffers> shelf_;
};

void add_groups(CompareResult& result) {
    std::map<int64_t, GroupComparison> blocks;
    for (const auto& t : result.tensors) {
        for (GroupComparison* g : {&result.by_role[static_cast<size_t>(t.role)], &result.total}) {
            ++g->tensors;
            g->stats.merge(t.stats);
        }
        if (t.block < 0) continue;
        ++blocks[t.block].tensors;
        blocks[t.block].stats.merge(t.stats);
    }
    result.by_block.assign(blocks.begin(), blocks.end());
}

}  // namespace

Result<CompareResult> compare_models(const Model& reference, const Model& other, const CompareOptions& options) {
    auto mtp = summarize_mtp(reference);
    if (!mtp) return std::unexpected(mtp.error());
    CompareResult result;
    const std::vector<Measured> measured = match_tensors(reference, other, options, mtp->range(), result);

    std::vector<detail::RowChunk> chunks;
    Progress progress;
    progress.tensors_total = measured.size();
    for (size_t i = 0; i < measured.size(); ++i) {
        const Measured& m = measured[i];
        const size_t first = chunks.size();
        detail::append_row_chunks(chunks, i, result.tensors[i].rows, m.rows_per_matrix, options.sample_rows,
                                  kChunkFloats / m.row_length);
        for (size_t k = first; k < chunks.size(); ++k) {
            result.tensors[i].rows_measured += chunks[k].rows;
            progress.bytes_total += chunks[k].rows * (m.reference.row_bytes + m.other.row_bytes);
        }
    }

    const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
    quant::ThreadPool pool(threads);
    BufferShelf shelf;
    const size_t batch = size_t(threads) * 4;
    std::vector<ErrorStats> sums(batch);
    std::vector<std::optional<Error>> failures(batch);
    for (size_t begin = 0; begin < chunks.size(); begin += batch) {
        const size_t end = std::min(chunks.size(), begin + batch);
        pool.run(end - begin, [&](size_t k) {
            const detail::RowChunk& c = chunks[begin + k];
            Buffers b = shelf.take();
            auto stats = measure_chunk(measured[c.tensor], c, b);
            if (stats) sums[k] = *stats;
            else failures[k] = stats.error();
            shelf.give_back(std::move(b));
        });
        // Merged in chunk order, which is tensor order: the same sums on any thread count.
        for (size_t k = begin; k < end; ++k) {
            if (failures[k - begin]) return std::unexpected(*failures[k - begin]);  // the first in chunk order
            const Measured& m = measured[chunks[k].tensor];
            result.tensors[chunks[k].tensor].stats.merge(sums[k - begin]);
            progress.bytes_done += chunks[k].rows * (m.reference.row_bytes + m.other.row_bytes);
        }
        progress.tensors_done = end == chunks.size() ? measured.size() : chunks[end].tensor;
        if (options.on_progress) options.on_progress(progress);
    }
    result.bytes_read = progress.bytes_done;
    add_groups(result);
    return result;
}

}  // namespace gguf
