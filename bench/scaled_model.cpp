// Writes a model shaped like a real one, at benchmark size: the keys and
// tensor names of LIKE.gguf (a fixture, say), every weight matrix given more
// rows so the file reaches about SIZE_MIB, filled with normally distributed
// values (deterministic), in TYPE (F16 or F32). With TENSOR, only that
// tensor is written, alone at SIZE_MIB; --columns then also sets its row
// length (4096: a 4096x4096 matrix at 64 MiB of F32). With an imatrix path, also writes an
// importance matrix covering every tensor llama-quantize quantizes.
//
//   gguf-mtp-scaled-model LIKE.gguf OUT.gguf SIZE_MIB TYPE [--tensor NAME [--columns N]] [--imatrix OUT.imatrix]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "gguf/imatrix/imatrix.h"
#include "gguf/quant/quant_mixture.h"
#include "gguf/plan/writer.h"

namespace {

// A stream of normal values per tensor, seeded by its index: the same file on every run.
gguf::StreamSource normal_values(gguf::TensorType type, uint64_t elements, uint32_t seed) {
    return [=](const gguf::ByteSink& sink) -> gguf::Status {
        std::mt19937 rng(seed);
        std::normal_distribution<float> normal(0.0f, 0.02f);
        const size_t width = type == gguf::TensorType::F32 ? 4 : 2;
        std::vector<uint8_t> piece;
        constexpr uint64_t kChunk = 1 << 20;
        for (uint64_t done = 0; done < elements; done += kChunk) {
            const uint64_t n = std::min(kChunk, elements - done);
            piece.resize(n * width);
            for (uint64_t i = 0; i < n; ++i) {
                const float v = normal(rng);
                if (width == 4) {
                    std::memcpy(&piece[i * 4], &v, 4);
                } else {
                    const _Float16 h = static_cast<_Float16>(v);
                    std::memcpy(&piece[i * 2], &h, 2);
                }
            }
            if (auto ok = sink(piece); !ok) return ok;
        }
        return {};
    };
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s LIKE.gguf OUT.gguf SIZE_MIB F16|F32 [--tensor NAME [--columns N]] [--imatrix OUT]\n", argv[0]);
        return 2;
    }
    std::string only, imatrix_path;
    uint64_t columns = 0;
    for (int i = 5; i + 1 < argc; i += 2) {
        if (std::string(argv[i]) == "--tensor") only = argv[i + 1];
        else if (std::string(argv[i]) == "--imatrix") imatrix_path = argv[i + 1];
        else if (std::string(argv[i]) == "--columns") columns = std::strtoull(argv[i + 1], nullptr, 10);
    }
    // The chosen tensor as written: its row length replaced when asked.
    auto shaped = [&](gguf::TensorInfo t) {
        if (columns > 0 && !only.empty() && t.name == only) t.ne[0] = columns;
        return t;
    };
    auto like = gguf::Model::open(argv[1]);
    if (!like) {
        std::fprintf(stderr, "%s\n", like.error().to_string().c_str());
        return 1;
    }
    const auto type = std::string(argv[4]) == "F32" ? gguf::TensorType::F32 : gguf::TensorType::F16;
    const uint64_t target = std::strtoull(argv[3], nullptr, 10) << 20;

    // Scale the rows of every matrix by one factor.
    uint64_t matrix_elements = 0;
    for (auto ref : like->tensors()) {
        const gguf::TensorInfo t = shaped(like->info(ref));
        if (gguf::tensor_allows_quantization(t) && (only.empty() || t.name == only)) matrix_elements += t.n_elements();
    }
    if (matrix_elements == 0) {
        std::fprintf(stderr, "no tensor to scale\n");
        return 1;
    }
    const size_t width = type == gguf::TensorType::F32 ? 4 : 2;
    const double factor = std::max(1.0, double(target) / double(matrix_elements * width));

    gguf::Plan plan;
    plan.metadata = like->metadata();
    gguf::Imatrix imatrix;
    imatrix.datasets = {"synthetic"};
    imatrix.chunk_count = 100;
    imatrix.chunk_size = 512;
    uint32_t seed = 1;
    for (auto ref : like->tensors()) {
        gguf::TensorInfo t = shaped(like->info(ref));
        const bool matrix = gguf::tensor_allows_quantization(t);
        if (!only.empty() && t.name != only) continue;
        if (matrix) t.ne[1] = static_cast<uint64_t>(std::llround(double(t.ne[1]) * factor));
        if (t.type == gguf::TensorType::F16 || t.type == gguf::TensorType::F32 || t.type == gguf::TensorType::BF16) t.type = matrix ? type : gguf::TensorType::F32;
        t.n_bytes = *gguf::tensor_bytes(t.type, t.ne);
        if (t.type == gguf::TensorType::F16 || t.type == gguf::TensorType::F32) {
            plan.tensors.push_back({t, normal_values(t.type, t.n_elements(), seed++)});
        } else {
            plan.tensors.push_back(gguf::copy_of(*like, ref));
        }
        if (matrix) {
            const uint64_t experts = std::max<uint64_t>(t.ne[2], 1);
            gguf::ImatrixEntry e;
            std::mt19937 rng(seed * 7919);
            e.sums.resize(t.ne[0] * experts);
            for (auto& v : e.sums) v = std::uniform_real_distribution<float>(0.5f, 80.0f)(rng);
            e.counts.assign(experts, 51200);
            imatrix.entries.emplace(t.name, std::move(e));
        }
    }
    gguf::WriteOptions options;
    options.output = argv[2];
    options.overwrite = true;
    auto report = gguf::write_plan(plan, options);
    if (!report) {
        std::fprintf(stderr, "%s\n", report.error().to_string().c_str());
        return 1;
    }
    if (!imatrix_path.empty()) {
        gguf::WriteOptions io;
        io.output = imatrix_path;
        io.overwrite = true;
        if (auto ok = gguf::write_imatrix(imatrix, io); !ok) {
            std::fprintf(stderr, "%s\n", ok.error().to_string().c_str());
            return 1;
        }
    }
    std::printf("%s: %zu tensors, %llu bytes\n", argv[2], plan.tensors.size(), static_cast<unsigned long long>(report->bytes_written));
    return 0;
}
