// Quantize a 4096x4096 f32 matrix to every type gguf-mtp can write, with
// gguf-mtp and (when built with the oracle) with ggml's reference
// (ggml_quantize_chunk) in the same run: 1 thread and all threads, with and
// without importance weights (only with them where ggml requires them).
// Prints a markdown table: MB/s of f32 input for each, gguf-mtp's speed over
// ggml's, and whether the two wrote identical bytes.
//
// Each figure is the best of --reps repetitions. --clock=cpu (the default)
// times by the process's CPU time divided by the threads, which a shared,
// busy machine disturbs least; --clock=wall by elapsed time, for a quiet one.
//
//   gguf-mtp-quant-bench [--types=Q4_0,Q8_0] [--threads=1,2] [--reps=3]
//                        [--clock=cpu|wall] [--rows=4096] [--gguf-only]
//                        [google benchmark flags]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gguf/quant/cpu/quantize.h"
#include "gguf/format/tensor_type.h"

#ifdef GGUF_MTP_HAVE_ORACLE
// ggml's own entry points in the oracle's libggml-base.so (the type is
// ggml's enum, whose values gguf::TensorType shares).
extern "C" size_t ggml_quantize_chunk(int type, const float* src, void* dst, int64_t start, int64_t nrows, int64_t n_per_row,
                                      const float* imatrix);
extern "C" void ggml_quantize_init(int type);
#endif

namespace {

constexpr int64_t kCols = 4096;

struct Options {
    std::vector<std::string> types;  // empty: all
    std::vector<unsigned> threads{1, std::max(1u, std::thread::hardware_concurrency())};
    int reps = 3;
    bool wall_clock = false;
    int64_t rows = 4096;
    bool gguf_only = false;
};

std::vector<float> make_matrix(int64_t rows) {
    std::vector<float> v(rows * kCols);
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (auto& x : v) x = normal(rng);
    return v;
}

std::vector<float> make_importance() {
    std::vector<float> v(kCols);
    std::mt19937_64 rng(2);
    std::uniform_real_distribution<float> u(0.0f, 4.0f);
    for (auto& x : v) x = u(rng) * u(rng);
    return v;
}

// Threads that run one job per call, each on its own share of the rows; the
// caller's thread is share 0. Idle workers sleep, so CPU time counts work.
class Workers {
public:
    explicit Workers(unsigned n) : start_(n), done_(n) {
        for (unsigned t = 1; t < n; ++t) {
            threads_.emplace_back([this, t] {
                for (;;) {
                    start_.arrive_and_wait();
                    if (stop_) return;
                    (*job_)(t);
                    done_.arrive_and_wait();
                }
            });
        }
    }
    ~Workers() {
        stop_ = true;
        start_.arrive_and_wait();
        for (auto& t : threads_) t.join();
    }
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;

    unsigned size() const { return static_cast<unsigned>(threads_.size()) + 1; }

    void run(const std::function<void(unsigned)>& job) {
        job_ = &job;
        start_.arrive_and_wait();
        job(0);
        done_.arrive_and_wait();
    }

private:
    std::barrier<> start_, done_;
    std::atomic<bool> stop_{false};
    const std::function<void(unsigned)>* job_ = nullptr;
    std::vector<std::thread> threads_;
};

enum class Side { gguf, ggml };

struct Config {
    gguf::TensorType type;
    bool imatrix;
    unsigned threads;
    std::string name(Side side) const {
        return std::string(side == Side::gguf ? "gguf/" : "ggml/") + std::string(gguf::type_display_name(type)) +
               (imatrix ? "/imatrix/" : "/plain/") + std::to_string(threads);
    }
};

struct Inputs {
    std::vector<float> matrix;
    std::vector<float> importance;
    int64_t rows = 0;
};

// Quantizes share `t` of `threads` of the matrix into dst (the whole output).
void quantize_share(Side side, const Inputs& in, const Config& c, unsigned t, std::vector<uint8_t>& dst) {
    const uint64_t row_bytes = *gguf::row_bytes(c.type, kCols);
    const int64_t per = (in.rows + c.threads - 1) / c.threads;
    const int64_t begin = std::min<int64_t>(in.rows, t * per), end = std::min<int64_t>(in.rows, begin + per);
    if (begin == end) return;
    const float* weights = c.imatrix ? in.importance.data() : nullptr;
#ifdef GGUF_MTP_HAVE_ORACLE
    if (side == Side::ggml) {
        ggml_quantize_chunk(static_cast<int>(c.type), in.matrix.data(), dst.data(), begin * kCols, end - begin, kCols, weights);
        return;
    }
#endif
    const std::span<const float> src(in.matrix.data() + begin * kCols, (end - begin) * kCols);
    const std::span<const float> importance = weights ? std::span<const float>(in.importance) : std::span<const float>();
    if (!gguf::quantize_rows(c.type, src, kCols, importance, std::span(dst.data() + begin * row_bytes, (end - begin) * row_bytes))) {
        std::fprintf(stderr, "gguf-mtp failed to quantize %s\n", c.name(side).c_str());
        std::exit(1);
    }
}

size_t hash_bytes(const std::vector<uint8_t>& bytes) {
    return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The best time per repetition of each benchmark, and a hash of what it wrote.
struct Results {
    std::map<std::string, double> best_seconds;
    std::map<std::string, size_t> output_hash;
};

void run_one(benchmark::State& state, Side side, const Inputs& in, Config c, Results& results) {
    std::vector<uint8_t> dst(in.rows * *gguf::row_bytes(c.type, kCols));
    Workers workers(c.threads);
    const std::function<void(unsigned)> job = [&](unsigned t) { quantize_share(side, in, c, t, dst); };
    for (auto _ : state) {
        workers.run(job);
        benchmark::DoNotOptimize(dst.data());
    }
    results.output_hash[c.name(side)] = hash_bytes(dst);
}

// Keeps the best per-repetition time of each benchmark; prints progress.
class BestReporter : public benchmark::BenchmarkReporter {
public:
    BestReporter(Results& results, bool wall_clock, const std::map<std::string, unsigned>& threads)
        : results_(results), wall_clock_(wall_clock), threads_(threads) {}
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& r : runs) {
            if (r.run_type != Run::RT_Iteration || r.iterations == 0) continue;
            const std::string name = r.run_name.function_name;
            const double seconds = (wall_clock_ ? r.real_accumulated_time : r.cpu_accumulated_time / threads_.at(name)) / r.iterations;
            auto [it, fresh] = results_.best_seconds.emplace(name, seconds);
            if (!fresh) it->second = std::min(it->second, seconds);
            std::fprintf(stderr, "%-28s %10.1f ms\n", name.c_str(), seconds * 1e3);
        }
    }

private:
    Results& results_;
    bool wall_clock_;
    const std::map<std::string, unsigned>& threads_;
};

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    size_t at = 0;
    for (;;) {
        const size_t comma = list.find(',', at);
        out.push_back(list.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
        if (comma == std::string::npos) return out;
        at = comma + 1;
    }
}

Options parse(int& argc, char** argv) {
    Options o;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&](std::string_view flag) { return std::string(a.substr(flag.size())); };
        if (a.starts_with("--types=")) {
            o.types = split(value("--types="));
        } else if (a.starts_with("--threads=")) {
            o.threads.clear();
            for (const auto& t : split(value("--threads="))) o.threads.push_back(static_cast<unsigned>(std::max(1, std::stoi(t))));
        } else if (a.starts_with("--reps=")) {
            o.reps = std::max(1, std::stoi(value("--reps=")));
        } else if (a.starts_with("--rows=")) {
            o.rows = std::max(1, std::stoi(value("--rows=")));
        } else if (a == "--clock=wall" || a == "--clock=cpu") {
            o.wall_clock = a == "--clock=wall";
        } else if (a == "--gguf-only") {
            o.gguf_only = true;
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    std::sort(o.threads.begin(), o.threads.end());
    o.threads.erase(std::unique(o.threads.begin(), o.threads.end()), o.threads.end());
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    benchmark::Initialize(&argc, argv);
#ifndef GGUF_MTP_HAVE_ORACLE
    const bool with_ggml = false;
#else
    const bool with_ggml = !options.gguf_only;
#endif
    Inputs in{make_matrix(options.rows), make_importance(), options.rows};
    Results results;
    std::vector<Config> configs;
    std::map<std::string, unsigned> threads_of;
    for (uint32_t id = 0; id < gguf::kTensorTypeCount; ++id) {
        const auto type = static_cast<gguf::TensorType>(id);
        if (!gguf::type_is_usable(id) || !gguf::can_quantize(type) || type == gguf::TensorType::F32) continue;
        const std::string name(gguf::type_display_name(type));
        if (!options.types.empty() && std::find(options.types.begin(), options.types.end(), name) == options.types.end()) continue;
        // Tables both sides build once per process, outside the timing.
        std::vector<uint8_t> warm(*gguf::row_bytes(type, kCols));
        (void)gguf::quantize_rows(type, std::span(in.matrix.data(), kCols), kCols, in.importance, warm);
#ifdef GGUF_MTP_HAVE_ORACLE
        if (with_ggml) ggml_quantize_init(static_cast<int>(type));
#endif
        for (unsigned threads : options.threads) {
            for (bool imatrix : {false, true}) {
                if (!imatrix && gguf::requires_importance(type)) continue;
                const Config c{type, imatrix, threads};
                configs.push_back(c);
                for (Side side : {Side::gguf, Side::ggml}) {
                    if (side == Side::ggml && !with_ggml) continue;
                    threads_of[c.name(side)] = threads;
                    benchmark::RegisterBenchmark(c.name(side).c_str(),
                                                 [side, &in, c, &results](benchmark::State& s) { run_one(s, side, in, c, results); })
                        ->UseRealTime()
                        ->MeasureProcessCPUTime()
                        ->MinTime(0.1)
                        ->Repetitions(options.reps)
                        ->ReportAggregatesOnly(false);
                }
            }
        }
    }
    BestReporter reporter(results, options.wall_clock, threads_of);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    const double mb = static_cast<double>(options.rows * kCols * sizeof(float)) / 1e6;
    std::printf("\n%lld x %lld f32, CPU kernels: %s, best of %d repetitions by %s\n\n", static_cast<long long>(options.rows),
                static_cast<long long>(kCols), std::string(gguf::simd_path()).c_str(), options.reps,
                options.wall_clock ? "wall-clock time" : "CPU time per thread");
    std::printf("| type | imatrix | threads | gguf-mtp MB/s | ggml MB/s | ratio | identical |\n");
    std::printf("|---|---|---:|---:|---:|---:|---|\n");
    for (const auto& c : configs) {
        const auto g = results.best_seconds.find(c.name(Side::gguf));
        const auto o = results.best_seconds.find(c.name(Side::ggml));
        if (g == results.best_seconds.end()) continue;
        const std::string type(gguf::type_display_name(c.type));
        const char* imatrix = c.imatrix ? "yes" : "no";
        if (o == results.best_seconds.end()) {
            std::printf("| %s | %s | %u | %.0f | - | - | - |\n", type.c_str(), imatrix, c.threads, mb / g->second);
            continue;
        }
        const bool same = results.output_hash[c.name(Side::gguf)] == results.output_hash[c.name(Side::ggml)];
        std::printf("| %s | %s | %u | %.0f | %.0f | %.2f | %s |\n", type.c_str(), imatrix, c.threads, mb / g->second, mb / o->second,
                    o->second / g->second, same ? "yes" : "NO");
    }
    return 0;
}
