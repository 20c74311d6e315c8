// CPU seconds ggml's own kernel (ggml_quantize_chunk of the oracle's
// libggml-base.so) takes to quantize one F32 tensor of a model, with that
// tensor's imatrix weights when an imatrix is given: the reference that
// scripts/bench-quantize-one.sh sets a whole gguf-mtp quantize against.
// One thread; ggml_quantize_init (its grids) is left out of the time. Prints
// the best of REPS runs, in seconds.
//
//   gguf-mtp-oracle-kernel-time MODEL.gguf TENSOR TYPE [IMATRIX] [REPS]
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "gguf/format/gguf_file.h"
#include "gguf/format/tensor_type.h"
#include "gguf/imatrix/imatrix.h"

extern "C" size_t ggml_quantize_chunk(int type, const float* src, void* dst, int64_t start, int64_t nrows, int64_t n_per_row,
                                      const float* imatrix);
extern "C" void ggml_quantize_init(int type);

namespace {

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

int fail_with(const std::string& message) {
    std::fprintf(stderr, "%s\n", message.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s MODEL.gguf TENSOR TYPE [IMATRIX] [REPS]\n", argv[0]);
        return 2;
    }
    auto file = gguf::GgufFile::open(argv[1]);
    if (!file) return fail_with(file.error().to_string());
    const int64_t index = file->find_tensor(argv[2]);
    if (index < 0) return fail_with(std::string(argv[1]) + ": no tensor " + argv[2]);
    const gguf::TensorInfo& info = file->tensors()[index];
    if (info.type != gguf::TensorType::F32) return fail_with(std::string(argv[2]) + " is not F32");
    const auto type = gguf::type_from_name(argv[3]);
    if (!type) return fail_with(std::string("unknown type ") + argv[3]);
    std::vector<float> weights;
    if (argc > 4 && std::string(argv[4]) != "-") {
        auto imatrix = gguf::read_imatrix(argv[4]);
        if (!imatrix) return fail_with(imatrix.error().to_string());
        weights = imatrix->weights(argv[2]);
    }
    const int reps = argc > 5 ? std::max(1, std::atoi(argv[5])) : 3;

    const int64_t columns = static_cast<int64_t>(info.ne[0]);
    const int64_t rows = static_cast<int64_t>(info.n_elements()) / columns;
    std::vector<float> values(info.n_elements());
    if (auto ok = file->read_tensor_data(index, 0, std::span(reinterpret_cast<uint8_t*>(values.data()), info.n_bytes)); !ok) {
        return fail_with(ok.error().to_string());
    }
    std::vector<uint8_t> out(*gguf::row_bytes(*type, columns) * rows);
    ggml_quantize_init(static_cast<int>(*type));
    double best = 0;
    for (int r = 0; r < reps; ++r) {
        const double start = cpu_seconds();
        ggml_quantize_chunk(static_cast<int>(*type), values.data(), out.data(), 0, rows, columns, weights.empty() ? nullptr : weights.data());
        const double took = cpu_seconds() - start;
        if (r == 0 || took < best) best = took;
    }
    std::printf("%.4f\n", best);
    return 0;
}
