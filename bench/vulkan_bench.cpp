// Vulkan against the CPU core on one 4096 x 4096 f32 matrix: Q4_K and IQ4_XS
// with importance weights, Q8_0 without. Prints input MB/s on each, the
// ratio, and whether the bytes are identical. The GPU is timed after one
// warm-up call (pipeline creation), upload and download included, with the
// same threads filling its staging memory; a second line per type says where
// the GPU's time went.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gguf/quantize.h"
#include "quant/thread_pool.h"
#include "quant/vulkan/gpu_quantizer.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Rows split across `threads` threads, as the quantize command splits a chunk.
void quantize_cpu(gguf::TensorType type, const std::vector<float>& x, int64_t row_length, const std::vector<float>& w,
                  std::vector<uint8_t>& out, unsigned threads) {
    const int64_t rows = static_cast<int64_t>(x.size()) / row_length;
    const int64_t out_row = static_cast<int64_t>(out.size()) / rows;
    const int64_t per = (rows + threads - 1) / threads;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        const int64_t begin = t * per, end = std::min(rows, begin + per);
        if (begin >= end) break;
        pool.emplace_back([&, begin, end] {
            (void)gguf::quantize_rows(type, std::span(x).subspan(begin * row_length, (end - begin) * row_length), row_length, w,
                                      std::span(out).subspan(begin * out_row, (end - begin) * out_row));
        });
    }
    for (auto& t : pool) t.join();
}

}  // namespace

int main(int argc, char** argv) {
    const int64_t n = argc > 1 ? std::atoll(argv[1]) : 4096;
    // "all": every type with a shader, with importance weights, after the three of the issue.
    const bool every_type = argc > 2 && std::string(argv[2]) == "all";
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    auto gpu = gguf::quant::vk::GpuQuantizer::open({});
    if (!gpu) {
        std::fprintf(stderr, "vulkan-bench: %s\n", gpu.error().message.c_str());
        return 1;
    }
    std::printf("device: %s%s\ncpu: %u threads\nmatrix: %lld x %lld f32 (%.1f MB)\n", (*gpu)->device_name().c_str(),
                (*gpu)->keeps_subnormals() ? "" : " (subnormals not guaranteed)", threads, static_cast<long long>(n), static_cast<long long>(n),
                n * n * 4 / 1e6);
    std::mt19937_64 rng(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> uniform(0.0f, 4.0f);
    gguf::quant::ThreadPool pool(threads);
    std::vector<float> x(n * n), w(n);
    for (auto& v : x) v = normal(rng) * 0.02f;
    for (auto& v : w) v = uniform(rng) * uniform(rng);
    struct Job {
        gguf::TensorType type;
        bool weighted;
    };
    int failures = 0;
    std::printf("%-8s %-8s %12s %12s %8s %s\n", "type", "imatrix", "cpu MB/s", "vulkan MB/s", "ratio", "bytes");
    std::vector<Job> jobs{{gguf::TensorType::Q4_K, true}, {gguf::TensorType::IQ4_XS, true}, {gguf::TensorType::Q8_0, false}};
    if (every_type) {
        for (int t = 0; t < 64; ++t) {
            const auto type = static_cast<gguf::TensorType>(t);
            if (gguf::quant::vk::GpuQuantizer::supports(type, true) && type != gguf::TensorType::Q4_K && type != gguf::TensorType::IQ4_XS) {
                jobs.push_back({type, true});
            }
        }
    }
    for (const Job job : jobs) {
        const std::vector<float> weights = job.weighted ? w : std::vector<float>{};
        const size_t bytes = n * *gguf::row_bytes(job.type, n);
        std::vector<uint8_t> cpu(bytes), vk(bytes);
        auto start = Clock::now();
        quantize_cpu(job.type, x, n, weights, cpu, threads);
        const double cpu_s = seconds_since(start);
        if (auto s = (*gpu)->quantize(job.type, x, n, weights, vk, &pool); !s) {
            std::fprintf(stderr, "vulkan-bench: %s\n", s.error().message.c_str());
            return 1;
        }
        start = Clock::now();
        (void)(*gpu)->quantize(job.type, x, n, weights, vk, &pool);
        const double vk_s = seconds_since(start);
        const auto& p = (*gpu)->last_profile();
        const bool same = std::memcmp(cpu.data(), vk.data(), bytes) == 0;
        failures += same ? 0 : 1;
        const double mb = n * n * 4 / 1e6;
        std::printf("%-8s %-8s %12.1f %12.1f %7.1fx %s\n", std::string(gguf::type_display_name(job.type)).c_str(), job.weighted ? "yes" : "no",
                    mb / cpu_s, mb / vk_s, cpu_s / vk_s, same ? "identical" : "DIFFERENT");
        std::printf("         gpu: %llu chunks, wall %.2f ms: host fill %.2f, wait %.2f, consume %.2f; device upload %.2f, compute %.2f (%s)\n",
                    static_cast<unsigned long long>(p.chunks), p.wall_s * 1e3, p.fill_s * 1e3, p.wait_s * 1e3, p.consume_s * 1e3,
                    p.upload_s * 1e3, p.compute_s * 1e3, p.copy_queue ? "copy queue" : "one queue");
    }
    return failures ? 1 : 0;
}
