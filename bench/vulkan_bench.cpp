// Vulkan against the CPU core on one 4096 x 4096 f32 matrix: Q4_K and IQ4_XS
// with importance weights, Q8_0 without. Prints input MB/s on each, the
// ratio, and whether the bytes are identical. Each side is the best of five
// runs (the CPU's: --cpu-runs); the GPU's come after half a second of the
// same calls (pipeline creation, clocks up), upload and download included,
// with the same threads filling its staging memory; a second line per type
// says where the GPU's time went and what its first use cost (pipeline and
// check sample), beside the device's opening time: the fixed costs a short
// quantize command pays.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gguf/quant/cpu/quantize.h"
#include "parallel/thread_pool.h"
#include "quant/vulkan/gpu_quantizer.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRuns = 5;
constexpr double kWarmSeconds = 0.5;

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

const char* path_name(gguf::quant::vk::InputPath path) {
    switch (path) {
        case gguf::quant::vk::InputPath::copy: return "copied";
        case gguf::quant::vk::InputPath::device_reads_host: return "device reads host";
        case gguf::quant::vk::InputPath::host_writes_device: return "host writes device";
    }
    return "?";
}

// For a result that differs: how many blocks, and the first one's position
// and bytes on each side, enough to replay that block on the CPU.
void print_first_difference(gguf::TensorType type, int64_t n, const std::vector<uint8_t>& cpu, const std::vector<uint8_t>& gpu) {
    const auto traits = *gguf::type_traits(static_cast<uint32_t>(type));
    const size_t block_bytes = traits.block_bytes, blocks = cpu.size() / block_bytes;
    size_t differing = 0, first = blocks;
    for (size_t b = 0; b < blocks; ++b) {
        if (std::memcmp(&cpu[b * block_bytes], &gpu[b * block_bytes], block_bytes) != 0) {
            ++differing;
            first = std::min(first, b);
        }
    }
    const size_t per_row = static_cast<size_t>(n / traits.block_size);
    std::printf("         differs: %zu of %zu blocks; first: row %zu block %zu\n", differing, blocks, first / per_row, first % per_row);
    for (const auto* side : {&cpu, &gpu}) {
        std::printf("         %s:", side == &cpu ? "cpu" : "gpu");
        for (size_t i = 0; i < block_bytes; ++i) std::printf(" %02x", (*side)[first * block_bytes + i]);
        std::printf("\n");
    }
}

}  // namespace

int main(int argc, char** argv) {
    // vulkan-bench [N] [all | --types=Q4_K,IQ4_XS,...] [--chunk-mb=M] [--input=copy|device-reads-host|host-writes-device]
    //              [--cpu-runs=R] [--pipeline-stats]
    // --cpu-runs=1 keeps the CPU's bytes for the comparison but not its best
    // time: comparing shader variants on a budgeted device, the CPU's runs
    // are most of the wall time.
    // --pipeline-stats: afterwards, what the driver says of each pipeline
    // (registers, local memory: what bounds the invocations resident at
    // once), where the device reports it.
    // "all": every type with a shader, with importance weights, after the three of the issue.
    int64_t n = 4096;
    bool every_type = false;
    int cpu_runs = kRuns;
    std::vector<gguf::TensorType> only;
    gguf::quant::vk::DeviceRequest request;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "all") {
            every_type = true;
        } else if (arg.starts_with("--chunk-mb=")) {
            request.chunk_bytes = std::stoull(arg.substr(11)) << 20;
        } else if (arg == "--input=copy" || arg == "--input=device-reads-host" || arg == "--input=host-writes-device") {
            request.input_path = arg == "--input=copy"                ? gguf::quant::vk::InputPath::copy
                                 : arg == "--input=device-reads-host" ? gguf::quant::vk::InputPath::device_reads_host
                                                                      : gguf::quant::vk::InputPath::host_writes_device;
        } else if (arg == "--pipeline-stats") {
            request.pipeline_statistics = true;
        } else if (arg.starts_with("--cpu-runs=")) {
            cpu_runs = std::max(1, std::atoi(arg.c_str() + 11));
        } else if (arg.starts_with("--types=")) {
            std::string_view list = std::string_view(arg).substr(8);
            while (!list.empty()) {
                const auto comma = list.find(',');
                const auto name = list.substr(0, comma);
                const auto type = gguf::type_from_name(name);
                if (!type) {
                    std::fprintf(stderr, "vulkan-bench: unknown type %.*s\n", static_cast<int>(name.size()), name.data());
                    return 2;
                }
                only.push_back(*type);
                list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            }
        } else if (!arg.empty() && std::isdigit(static_cast<unsigned char>(arg[0]))) {
            n = std::atoll(arg.c_str());
        } else {
            std::fprintf(stderr, "vulkan-bench: unknown argument %s\n", arg.c_str());
            return 2;
        }
    }
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    const auto open_start = Clock::now();
    auto gpu = gguf::quant::vk::GpuQuantizer::open(request);
    const double open_s = seconds_since(open_start);
    if (!gpu) {
        std::fprintf(stderr, "vulkan-bench: %s\n", gpu.error().message.c_str());
        return 1;
    }
    std::printf("device: %s%s, opened in %.0f ms\ncpu: %u threads\nmatrix: %lld x %lld f32 (%.1f MB)\n", (*gpu)->device_name().c_str(),
                (*gpu)->keeps_subnormals() ? "" : " (subnormals not guaranteed)", open_s * 1e3, threads, static_cast<long long>(n), static_cast<long long>(n),
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
    if (!only.empty()) {
        jobs.clear();
        for (const auto type : only) jobs.push_back({type, gguf::quant::vk::GpuQuantizer::supports(type, true, gguf::kNewestRelease)});
    } else if (every_type) {
        for (int t = 0; t < 64; ++t) {
            const auto type = static_cast<gguf::TensorType>(t);
            if (gguf::quant::vk::GpuQuantizer::supports(type, true, gguf::kNewestRelease) && type != gguf::TensorType::Q4_K && type != gguf::TensorType::IQ4_XS) {
                jobs.push_back({type, true});
            }
        }
    }
    for (const Job job : jobs) {
        const std::vector<float> weights = job.weighted ? w : std::vector<float>{};
        const size_t bytes = n * *gguf::row_bytes(job.type, n);
        std::vector<uint8_t> cpu(bytes), vk(bytes);
        // What a quantize command pays before its first tensor of this type
        // goes to the device: the pipeline made and the check sample run.
        const auto first_start = Clock::now();
        if (auto agrees = (*gpu)->agrees_with_cpu(job.type, job.weighted); !agrees) {
            std::fprintf(stderr, "vulkan-bench: %s\n", agrees.error().message.c_str());
            return 1;
        }
        const double first_s = seconds_since(first_start);
        if (auto s = (*gpu)->quantize(job.type, x, n, weights, vk, &pool); !s) {
            std::fprintf(stderr, "vulkan-bench: %s\n", s.error().message.c_str());
            return 1;
        }
        // Best of kRuns on each side, the GPU's after kWarmSeconds of the same
        // work: an idle GPU runs at a fraction of its clock for the first
        // short calls, and one slow run says nothing about either path.
        double cpu_s = 1e30, vk_s = 1e30;
        for (int run = 0; run < cpu_runs; ++run) {
            const auto start = Clock::now();
            quantize_cpu(job.type, x, n, weights, cpu, threads);
            cpu_s = std::min(cpu_s, seconds_since(start));
        }
        for (const auto warm_start = Clock::now(); seconds_since(warm_start) < kWarmSeconds;) {
            (void)(*gpu)->quantize(job.type, x, n, weights, vk, &pool);
        }
        gguf::quant::vk::StreamProfile p;
        for (int run = 0; run < kRuns; ++run) {
            const auto start = Clock::now();
            (void)(*gpu)->quantize(job.type, x, n, weights, vk, &pool);
            const double this_vk = seconds_since(start);
            if (this_vk < vk_s) {
                vk_s = this_vk;
                p = (*gpu)->last_profile();
            }
        }
        const bool same = std::memcmp(cpu.data(), vk.data(), bytes) == 0;
        failures += same ? 0 : 1;
        const double mb = n * n * 4 / 1e6;
        std::printf("%-8s %-8s %12.1f %12.1f %7.1fx %s\n", std::string(gguf::type_display_name(job.type)).c_str(), job.weighted ? "yes" : "no",
                    mb / cpu_s, mb / vk_s, cpu_s / vk_s, same ? "identical" : "DIFFERENT");
        if (!same) print_first_difference(job.type, n, cpu, vk);
        std::printf("         gpu: %llu chunks, wall %.2f ms: host fill %.2f, wait %.2f, consume %.2f; device upload %.2f, compute %.2f (%s, %s); first use %.1f ms\n",
                    static_cast<unsigned long long>(p.chunks), p.wall_s * 1e3, p.fill_s * 1e3, p.wait_s * 1e3, p.consume_s * 1e3,
                    p.upload_s * 1e3, p.compute_s * 1e3, path_name(p.input_path), p.copy_queue ? "copy queue" : "one queue", first_s * 1e3);
    }
    if (request.pipeline_statistics) {
        const auto& stats = (*gpu)->pipeline_statistics();
        if (stats.empty()) std::printf("pipeline statistics: the device reports none\n");
        for (const auto& s : stats) {
            std::printf("pipeline %s (%d, %d):", s.shader.c_str(), s.spec[0], s.spec[1]);
            for (const auto& [name, value] : s.values) std::printf(" %s %llu;", name.c_str(), static_cast<unsigned long long>(value));
            std::printf("\n");
        }
    }
    return failures ? 1 : 0;
}
