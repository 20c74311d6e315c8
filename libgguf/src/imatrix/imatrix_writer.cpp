// Writing an imatrix in either format. GGUF goes through the one plan
// writer; .dat is small enough to be built in memory and written through
// an atomic output, so both appear only when complete.
#include <climits>
#include <cstring>

#include "../io/atomic_output.h"
#include "gguf/imatrix/imatrix.h"

namespace gguf {
namespace {

// in_sum2 is [row, matrices] and counts [1, matrices]; ggml records only
// the dimensions up to the last one above 1, and so does llama-imatrix's file.
PlannedTensor f32_matrix(const std::string& name, uint64_t row, uint64_t matrices, std::vector<float> values) {
    TensorInfo info;
    info.name = name;
    info.type = TensorType::F32;
    info.n_dims = matrices > 1 ? 2 : 1;
    info.ne = {row, matrices, 1, 1};
    info.n_bytes = row * matrices * sizeof(float);
    return {info, FillSource([values = std::move(values)](std::span<uint8_t> out) -> Status {
                std::memcpy(out.data(), values.data(), out.size());
                return {};
            })};
}

Plan gguf_plan(const Imatrix& m) {
    Plan plan;
    plan.metadata.append("general.type", Value::string("imatrix"));
    plan.metadata.append("imatrix.datasets", Value::string_array(m.datasets));
    plan.metadata.append("imatrix.chunk_count", Value::u32(static_cast<uint32_t>(m.chunk_count)));
    plan.metadata.append("imatrix.chunk_size", Value::u32(static_cast<uint32_t>(m.chunk_size)));
    for (const auto& [name, e] : m.entries) {  // std::map: sorted by name, as llama-imatrix sorts
        const uint64_t matrices = e.counts.size();
        std::vector<float> counts(e.counts.begin(), e.counts.end());
        plan.tensors.push_back(f32_matrix(name + ".in_sum2", e.sums.size() / matrices, matrices, e.sums));
        plan.tensors.push_back(f32_matrix(name + ".counts", 1, matrices, std::move(counts)));
    }
    return plan;
}

class DatBytes {
public:
    void i32(int32_t v) { raw(&v, sizeof v); }
    void raw(const void* p, size_t n) { bytes.insert(bytes.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); }
    std::vector<uint8_t> bytes;
};

bool fits_i32(uint64_t n) { return n <= static_cast<uint64_t>(INT32_MAX); }

Result<std::vector<uint8_t>> dat_bytes(const Imatrix& m, const std::string& path) {
    if (!fits_i32(m.entries.size())) return fail(ErrorCode::invalid_argument, path, "too many entries for the .dat format");
    DatBytes out;
    out.i32(static_cast<int32_t>(m.entries.size()));
    for (const auto& [name, e] : m.entries) {
        if (e.counts.size() != 1 || !fits_i32(name.size()) || !fits_i32(e.sums.size()) || e.counts[0] < 0 || e.counts[0] > INT32_MAX) {
            return fail(ErrorCode::invalid_argument, path, "entry '" + name + "' does not fit the .dat format (one call count, 32-bit sizes)");
        }
        out.i32(static_cast<int32_t>(name.size()));
        out.raw(name.data(), name.size());
        out.i32(static_cast<int32_t>(e.counts[0]));
        out.i32(static_cast<int32_t>(e.sums.size()));
        out.raw(e.sums.data(), e.sums.size() * sizeof(float));
    }
    out.i32(m.chunk_count);
    // The format names one dataset; llama-imatrix writes the last one it knows.
    const std::string dataset = m.datasets.empty() ? std::string() : m.datasets.back();
    if (!fits_i32(dataset.size())) return fail(ErrorCode::invalid_argument, path, "dataset name too long for the .dat format");
    out.i32(static_cast<int32_t>(dataset.size()));
    out.raw(dataset.data(), dataset.size());
    return std::move(out.bytes);
}

Status write_dat(const Imatrix& m, const WriteOptions& options) {
    auto bytes = dat_bytes(m, options.output);
    if (!bytes) return std::unexpected(bytes.error());
    if (auto ok = check_output_path(options.output, options); !ok) return ok;
    auto out = AtomicOutput::create(options.output);
    if (!out) return std::unexpected(out.error());
    if (auto ok = (*out)->write(*bytes); !ok) return ok;
    if (auto ok = (*out)->finish(); !ok) return ok;
    return (*out)->commit();
}

}  // namespace

Status write_imatrix(const Imatrix& imatrix, const WriteOptions& options) {
    if (imatrix.legacy) return write_dat(imatrix, options);
    for (const auto& [name, e] : imatrix.entries) {
        if (e.counts.empty() || e.sums.size() % e.counts.size() != 0) {
            return fail(ErrorCode::invalid_argument, options.output, "entry '" + name + "': sums do not split into its matrices");
        }
    }
    WriteOptions gguf_options;
    gguf_options.output = options.output;
    gguf_options.overwrite = options.overwrite;
    gguf_options.inputs = options.inputs;
    auto report = write_plan(gguf_plan(imatrix), gguf_options);
    if (!report) return std::unexpected(report.error());
    return {};
}

}  // namespace gguf
