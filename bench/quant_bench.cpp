// Quantize a 4096x4096 f32 matrix to each type gguf-mtp can write, with
// gguf-mtp and (when built with the oracle) with ggml's reference in the same
// run, one thread, with and without importance weights. Prints MB/s of f32
// input for each and gguf-mtp's speed over ggml's.
//
//   gguf-mtp-quant-bench [--types=Q4_0,Q8_0] [google benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gguf/quantize.h"
#include "gguf/tensor_type.h"

#ifdef GGUF_MTP_HAVE_ORACLE
// ggml's own entry point in the oracle's libggml-base.so (the type is ggml's
// enum, whose values gguf::TensorType shares), called into a buffer allocated
// once, as gguf-mtp is.
extern "C" size_t ggml_quantize_chunk(int type, const float* src, void* dst, int64_t start, int64_t nrows, int64_t n_per_row,
                                      const float* imatrix);
#endif

namespace {

constexpr int64_t kRows = 4096, kCols = 4096;

const std::vector<float>& matrix() {
    static const std::vector<float> m = [] {
        std::vector<float> v(kRows * kCols);
        std::mt19937_64 rng(1);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        for (auto& x : v) x = normal(rng);
        return v;
    }();
    return m;
}

const std::vector<float>& importance() {
    static const std::vector<float> w = [] {
        std::vector<float> v(kCols);
        std::mt19937_64 rng(2);
        std::uniform_real_distribution<float> u(0.0f, 4.0f);
        for (auto& x : v) x = u(rng) * u(rng);
        return v;
    }();
    return w;
}

std::span<const float> weights_for(bool with_importance) {
    return with_importance ? std::span<const float>(importance()) : std::span<const float>();
}

void run_gguf(benchmark::State& state, gguf::TensorType type, bool with_importance) {
    const auto& src = matrix();
    std::vector<uint8_t> dst(kRows * *gguf::row_bytes(type, kCols));
    for (auto _ : state) {
        if (!gguf::quantize_rows(type, src, kCols, weights_for(with_importance), dst)) state.SkipWithError("quantize failed");
        benchmark::DoNotOptimize(dst.data());
    }
    state.SetBytesProcessed(state.iterations() * kRows * kCols * int64_t{sizeof(float)});
}

#ifdef GGUF_MTP_HAVE_ORACLE
void run_ggml(benchmark::State& state, gguf::TensorType type, bool with_importance) {
    const auto& src = matrix();
    std::vector<uint8_t> dst(kRows * *gguf::row_bytes(type, kCols));
    const float* weights = with_importance ? importance().data() : nullptr;
    for (auto _ : state) {
        ggml_quantize_chunk(static_cast<int>(type), src.data(), dst.data(), 0, kRows, kCols, weights);
        benchmark::DoNotOptimize(dst.data());
    }
    state.SetBytesProcessed(state.iterations() * kRows * kCols * int64_t{sizeof(float)});
}
#endif

// Keeps each run's MB/s for the closing table.
class TableReporter : public benchmark::ConsoleReporter {
public:
    std::map<std::string, double> mbps;
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& r : runs) {
            auto it = r.counters.find("bytes_per_second");
            if (it != r.counters.end()) mbps[r.run_name.function_name] = it->second.value / 1e6;
        }
        ConsoleReporter::ReportRuns(runs);
    }
};

std::vector<std::string> split_types(const std::string& list) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at <= list.size()) {
        const size_t comma = list.find(',', at);
        out.push_back(list.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
        if (comma == std::string::npos) break;
        at = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> only;
    std::vector<char*> rest;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--types=", 8) == 0) only = split_types(argv[i] + 8);
        else rest.push_back(argv[i]);
    }
    int rest_count = static_cast<int>(rest.size());
    benchmark::Initialize(&rest_count, rest.data());

    struct Row { std::string type; bool imatrix; };
    std::vector<Row> rows;
    for (uint32_t id = 0; id < 64; ++id) {
        const auto traits = gguf::type_traits(id);
        if (!traits) continue;
        const auto type = static_cast<gguf::TensorType>(id);
        if (!gguf::can_quantize(type) || type == gguf::TensorType::F32) continue;
        const std::string name(gguf::type_display_name(type));
        if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
        for (bool imatrix : {false, true}) {
            if (!imatrix && gguf::requires_importance(type)) continue;
            const std::string suffix = name + (imatrix ? "/imatrix" : "/plain");
            rows.push_back({name, imatrix});
            benchmark::RegisterBenchmark(("gguf/" + suffix).c_str(), run_gguf, type, imatrix)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(0.3);
#ifdef GGUF_MTP_HAVE_ORACLE
            benchmark::RegisterBenchmark(("ggml/" + suffix).c_str(), run_ggml, type, imatrix)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(0.3);
#endif
        }
    }
    TableReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    std::printf("\n%-9s %-8s %12s %12s %7s\n", "type", "imatrix", "gguf MB/s", "ggml MB/s", "ratio");
    for (const auto& r : rows) {
        const std::string suffix = r.type + (r.imatrix ? "/imatrix" : "/plain");
        const auto g = reporter.mbps.find("gguf/" + suffix);
        const auto o = reporter.mbps.find("ggml/" + suffix);
        if (g == reporter.mbps.end()) continue;
        if (o == reporter.mbps.end()) {
            std::printf("%-9s %-8s %12.0f %12s %7s\n", r.type.c_str(), r.imatrix ? "yes" : "no", g->second, "-", "-");
        } else {
            std::printf("%-9s %-8s %12.0f %12.0f %7.2f\n", r.type.c_str(), r.imatrix ? "yes" : "no", g->second, o->second, g->second / o->second);
        }
    }
    return 0;
}
