#include "gguf/quantize_tensor.h"

#include <cmath>
#include <thread>

#include "gguf/quantize.h"
#include "thread_pool.h"

namespace gguf {

class Quantizer {
public:
    explicit Quantizer(unsigned threads) : pool(threads) {}
    quant::ThreadPool pool;
};

std::shared_ptr<Quantizer> make_quantizer(unsigned threads) {
    return std::make_shared<Quantizer>(threads ? threads : std::max(1u, std::thread::hardware_concurrency()));
}

namespace {

Status check_finite(std::span<const float> rows, uint64_t row_length, uint64_t first_row, const std::string& tensor) {
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!std::isfinite(rows[i])) {
            return fail(ErrorCode::bad_format, "", "row " + std::to_string(first_row + i / row_length) + " of '" + tensor +
                                                       "' holds " + (std::isnan(rows[i]) ? "NaN" : "Inf") +
                                                       " (quantizing it would write garbage; --allow-non-finite to do it anyway)");
        }
    }
    return {};
}

}  // namespace

StreamSource quantize_source(const Model& model, TensorRef ref, QuantizeTensorOptions options, std::shared_ptr<Quantizer> quantizer) {
    return [&model, ref, options = std::move(options), quantizer](const ByteSink& sink) -> Status {
        const TensorInfo& info = model.info(ref);
        const uint64_t row_length = info.ne[0];
        const uint64_t rows = info.n_elements() / std::max<uint64_t>(row_length, 1);
        const uint64_t rows_per_matrix = std::max<uint64_t>(info.ne[1], 1);
        auto in_row = row_bytes(info.type, row_length);
        auto out_row = row_bytes(options.target, row_length);
        if (!in_row) return std::unexpected(in_row.error());
        if (!out_row) return std::unexpected(out_row.error());
        if (!options.importance.empty() && options.importance.size() % row_length != 0) {
            return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' have " + std::to_string(options.importance.size()) +
                                                     " values, not a multiple of its row length " + std::to_string(row_length));
        }
        const uint64_t matrices_weighted = options.importance.size() / std::max<uint64_t>(row_length, 1);
        if (matrices_weighted > 1 && matrices_weighted * rows_per_matrix != rows) {
            return fail(ErrorCode::mismatch, "", "importance weights of '" + info.name + "' cover " + std::to_string(matrices_weighted) +
                                                     " matrices, the tensor has " + std::to_string(rows / rows_per_matrix));
        }

        // Chunks never cross a matrix: each expert has its own weights.
        const uint64_t chunk_rows = std::clamp<uint64_t>(options.chunk_bytes / (row_length * 4), 1, rows_per_matrix);
        const auto data = model.data(ref);
        std::vector<float> floats;
        std::vector<uint8_t> out;
        Status status;
        for (uint64_t row = 0; row < rows;) {
            const uint64_t matrix_end = (row / rows_per_matrix + 1) * rows_per_matrix;
            const uint64_t n = std::min(chunk_rows, matrix_end - row);
            floats.resize(n * row_length);
            status = dequantize_rows(info.type, data.subspan(row * *in_row, n * *in_row), row_length, floats);
            if (!status) return status;
            if (!options.allow_non_finite) {
                status = check_finite(floats, row_length, row, info.name);
                if (!status) return status;
            }
            std::span<const float> weights;
            if (matrices_weighted > 0) {
                const uint64_t m = matrices_weighted == 1 ? 0 : row / rows_per_matrix;
                weights = std::span(options.importance).subspan(m * row_length, row_length);
            }
            out.resize(n * *out_row);
            const unsigned threads = quantizer->pool.size();
            const uint64_t per_job = (n + threads - 1) / threads;
            std::vector<Status> results(threads);
            quantizer->pool.run(threads, [&](size_t j) {
                const uint64_t begin = j * per_job, end = std::min(n, begin + per_job);
                if (begin >= end) return;
                results[j] = quantize_rows(options.target, std::span(floats).subspan(begin * row_length, (end - begin) * row_length),
                                           row_length, weights, std::span(out).subspan(begin * *out_row, (end - begin) * *out_row));
            });
            for (auto& r : results) {
                if (!r) return r;
            }
            status = sink(out);
            if (!status) return status;
            row += n;
        }
        return {};
    };
}

}  // namespace gguf
