#include "gguf/quant/candidate_errors.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "../parallel/thread_pool.h"
#include "gguf/quality/error_stats.h"
#include "gguf/quality/row_sample.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/quant/cpu/tensor_row_reader.h"

namespace gguf {
namespace {

// One tensor to measure: where its rows are, and each type with the
// importance weights its quantization would use.
struct Measurement {
    size_t tensor = 0;
    bool free = false;
    CopySource input;
    std::vector<TensorType> types;
    std::vector<float> importance;  // one row per matrix, or empty
    uint64_t bytes_in = 0;
};

bool is_float_source(TensorType t) { return t == TensorType::F32 || t == TensorType::F16 || t == TensorType::BF16; }

// The candidates a free tensor can take: whole blocks, a kernel both ways,
// importance data where the type needs it, and no requantizing unless allowed.
std::vector<TensorType> usable_candidates(const PlannedQuantization& q, const TensorInfo& source, bool has_importance,
                                          const QuantizeOptions& options, FileType file_type, std::span<const TensorType> candidates) {
    std::vector<TensorType> out;
    for (TensorType t : candidates) {
        if (std::find(out.begin(), out.end(), t) != out.end()) continue;
        if (t == q.from) {
            out.push_back(t);  // copied as it is
            continue;
        }
        if (!can_quantize(t) || !can_dequantize(t) || !row_bytes(t, source.ne[0])) continue;
        if (!is_float_source(q.from) && !options.allow_requantize) continue;
        const bool needs = refused_without_imatrix(q.tensor, t, file_type) || requires_importance(t);
        if (needs && !has_importance) continue;
        out.push_back(t);
    }
    return out;
}

Result<std::vector<Measurement>> measurements_of(const QuantizePlan& plan, const QuantizeOptions& options,
                                                 std::span<const TensorType> candidates) {
    auto importance = importance_by_tensor(options);
    if (!importance) return std::unexpected(importance.error());
    const auto file_type = static_cast<FileType>(plan.file_type);
    std::vector<Measurement> out;
    for (size_t i = 0; i < plan.tensors.size(); ++i) {
        const PlannedQuantization& q = plan.tensors[i];
        const auto& source = plan.plan.tensors[i].source;
        const auto* transform = std::get_if<TransformSource>(&source);
        const auto* copy = transform ? &transform->input : std::get_if<CopySource>(&source);
        if (!copy) continue;
        const TensorInfo& info = copy->file->tensors()[copy->tensor_index];
        Measurement m{i, false, *copy, {}, {}, q.bytes_in};
        if (q.choice.reason == TypeReason::preset) {
            if (auto it = importance->find(info.name);
                it != importance->end() && it->second.size() == info.ne[0] * std::max<uint64_t>(info.ne[2], 1)) {
                m.importance = it->second;
            }
            m.types = usable_candidates(q, info, !m.importance.empty(), options, file_type, candidates);
            m.free = !m.types.empty();
        }
        if (!m.free) {
            if (!transform) continue;  // a copy: nothing lost
            m.types = {transform->target};
            m.importance = transform->importance;
        }
        out.push_back(std::move(m));
    }
    return out;
}

// The sampled rows of a tensor as floats, as the quantizer reads them.
Status read_rows(const Measurement& m, std::span<const uint64_t> rows, std::vector<float>& floats) {
    auto stored = TensorRowReader::open(*m.input.file, m.input.tensor_index);
    if (!stored) return std::unexpected(stored.error());
    const uint64_t length = stored->row_length();
    floats.resize(rows.size() * length);
    RowReadBuffers buffers;
    for (size_t k = 0; k < rows.size(); ++k) {
        if (auto ok = stored->read(rows[k], std::span(floats).subspan(k * length, length), buffers); !ok) return ok;
    }
    return {};
}

// Each type's bytes and whole-tensor error, from the sampled rows.
Result<std::vector<CandidateCost>> measure(const Measurement& m, uint64_t sample_rows, LlamaRelease release) {
    const TensorInfo& info = m.input.file->tensors()[m.input.tensor_index];
    const uint64_t length = info.ne[0];
    const uint64_t rows = length ? info.n_elements() / length : 0;
    const uint64_t rows_per_matrix = std::max<uint64_t>(info.ne[1], 1);
    const std::vector<uint64_t> picked = sampled_rows(rows, sample_rows);
    std::vector<float> floats;
    if (auto ok = read_rows(m, picked, floats); !ok) return std::unexpected(ok.error());
    const uint64_t matrices_weighted = length ? m.importance.size() / length : 0;
    auto weights_of = [&](uint64_t row) -> std::span<const float> {
        if (matrices_weighted == 0) return {};
        const uint64_t matrix = matrices_weighted == 1 ? 0 : std::min(row / rows_per_matrix, matrices_weighted - 1);
        return std::span(m.importance).subspan(matrix * length, length);
    };

    std::vector<CandidateCost> out;
    std::vector<uint8_t> packed;
    std::vector<float> back(length);
    for (TensorType type : m.types) {
        auto bytes = tensor_bytes(type, info.ne);
        if (!bytes) return std::unexpected(bytes.error());
        CandidateCost cost{type, *bytes, 0};
        if (type != info.type) {  // the same type is copied: no error
            packed.resize(*row_bytes(type, length));
            ErrorStats stats;
            for (size_t k = 0; k < picked.size(); ++k) {
                const std::span<const float> row(floats.data() + k * length, length);
                const auto weights = weights_of(picked[k]);
                auto ok = quantize_rows(type, row, length, weights, packed, release);
                if (ok) ok = dequantize_rows(type, packed, length, back);
                if (!ok) return std::unexpected(ok.error());
                stats.add_rows(row, back, length, weights);
            }
            if (!picked.empty()) cost.error = stats.weighted_error * double(rows) / double(picked.size());
        }
        out.push_back(cost);
    }
    return out;
}

}  // namespace

Result<std::vector<TensorCandidates>> measure_candidates(const QuantizePlan& plan, const QuantizeOptions& options,
                                                         const MeasureOptions& measure_options) {
    auto jobs = measurements_of(plan, options, measure_options.candidates);
    if (!jobs) return std::unexpected(jobs.error());
    std::vector<Result<std::vector<CandidateCost>>> results(jobs->size(), std::vector<CandidateCost>{});
    Progress progress;
    progress.tensors_total = jobs->size();
    for (const auto& j : *jobs) progress.bytes_total += j.bytes_in;
    std::mutex progress_lock;

    const unsigned threads = measure_options.threads ? measure_options.threads : std::max(1u, std::thread::hardware_concurrency());
    quant::ThreadPool pool(threads);
    pool.run(jobs->size(), [&](size_t k) {
        const Measurement& job = (*jobs)[k];
        results[k] = measure(job, measure_options.sample_rows, options.release);
        std::lock_guard lock(progress_lock);
        ++progress.tensors_done;
        progress.bytes_done += job.bytes_in;
        if (measure_options.on_progress) measure_options.on_progress(progress);
    });

    std::vector<TensorCandidates> out;
    for (size_t k = 0; k < jobs->size(); ++k) {
        const Measurement& job = (*jobs)[k];
        if (!results[k]) {
            return fail(results[k].error().code, job.input.file->path(),
                        "tensor '" + plan.tensors[job.tensor].tensor + "': measuring its error: " + results[k].error().message);
        }
        out.push_back({job.tensor, job.free, std::move(*results[k])});
    }
    return out;
}

}  // namespace gguf
