// The Vulkan shaders give the CPU core's bytes: every type with a shader, with
// and without importance weights, on the cases of the CPU differential test
// (tests/oracle_quant/quant_cases.h), through whole-row calls and through the
// double-buffered chunk stream; gguf-mtp quantize --device vulkan writes the
// CPU's file; and --device vulkan without a device is a clear error. Skipped
// where no Vulkan device exists.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <regex>
#include <string>
#include <tuple>
#include <utility>

#include "gguf/quant/cpu/quantize.h"
#include "gguf_fixtures.h"
#include "gguf/format/gguf_file.h"
#include "gguf/quant/quantize_tensor.h"
#include "../quant/handoff_run.h"
#include "parallel/thread_pool.h"
#include "quant/vulkan/gpu_quantizer.h"
#include "quant_cases.h"
#include "test_support.h"
#include "vulkan_device.h"

namespace {

using gguf::TensorType;
using gguf::quant::vk::GpuQuantizer;

std::vector<uint8_t> on_cpu(TensorType type, const quant_cases::Case& c, gguf::LlamaRelease release = gguf::kNewestRelease) {
    std::vector<uint8_t> out(c.values.size() / c.row_length * *gguf::row_bytes(type, c.row_length));
    EXPECT_TRUE(gguf::quantize_rows(type, c.values, c.row_length, c.importance, out, release).has_value());
    return out;
}

// Types that quantize only with importance weights (IQ2_XXS, IQ2_XS, IQ1_S):
// without them the device refuses, as the CPU core does, rather than guess.
bool refused_without_weights(GpuQuantizer& gpu, TensorType type, bool weighted) {
    if (weighted || !gguf::requires_importance(type)) return false;
    std::vector<float> row(256, 1.0f);
    std::vector<uint8_t> out(*gguf::row_bytes(type, 256));
    EXPECT_FALSE(gguf::quantize_rows(type, row, 256, {}, out).has_value());
    EXPECT_FALSE(gpu.quantize(type, row, 256, {}, out).has_value());
    return true;
}

class VulkanTypes : public testing::TestWithParam<std::tuple<TensorType, bool>> {};

TEST_P(VulkanTypes, QuantizeMatchesCpuCore) {
    REQUIRE_DEVICE(gpu);
    const auto [type, weighted] = GetParam();
    ASSERT_TRUE(GpuQuantizer::supports(type, weighted, gpu->release()));
    if (refused_without_weights(*gpu, type, weighted)) return;
    const std::string name(gguf::type_display_name(type));
    for (const auto& c : quant_cases::cases_for(type, weighted)) {
        const auto want = on_cpu(type, c);
        std::vector<uint8_t> got(want.size());
        ASSERT_TRUE(gpu->quantize(type, c.values, c.row_length, c.importance, got).has_value()) << name << " " << c.name;
        ASSERT_EQ(quant_cases::first_difference(got, want, type, c.row_length), "") << name << " " << c.name << " on " << gpu->device_name();
    }
}

// The check each type's shader passes before a tensor of it goes to the
// device (GpuQuantizer::agrees_with_cpu) passes for every shader here.
TEST_P(VulkanTypes, AgreesWithTheCpuOnItsCheckSample) {
    REQUIRE_DEVICE(gpu);
    const auto [type, weighted] = GetParam();
    const auto agrees = gpu->agrees_with_cpu(type, weighted);
    if (!weighted && gguf::requires_importance(type)) {
        EXPECT_FALSE(agrees.has_value());
        return;
    }
    ASSERT_TRUE(agrees.has_value()) << agrees.error().message;
    EXPECT_TRUE(*agrees) << gguf::type_display_name(type) << " on " << gpu->device_name();
}

// Sub-blocks of very different magnitudes, one-signed, constant, sparse and
// few-valued ones, importance spanning many orders of magnitude: the corners
// of the scale searches (the k-quant test's rows).
TEST_P(VulkanTypes, CornerBlocksMatchCpuCore) {
    REQUIRE_DEVICE(gpu);
    const auto [type, weighted] = GetParam();
    if (refused_without_weights(*gpu, type, weighted)) return;
    const int64_t row_length = 4096, rows = 8;
    std::mt19937_64 rng(weighted ? 17 : 19);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    quant_cases::Case c;
    c.row_length = row_length;
    c.values.resize(rows * row_length);
    for (int64_t at = 0; at < rows * row_length; at += 16) {
        const int kind = static_cast<int>(rng() % 10);
        const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 40) - 20);
        const float base = normal(rng) * scale;
        for (int k = 0; k < 16; ++k) {
            float v = normal(rng) * scale;
            switch (kind) {
                case 0: v = std::fabs(v) + scale; break;
                case 1: v = -std::fabs(v); break;
                case 2: v = base; break;
                case 3: v = base + v * 1e-6f; break;
                case 4: v = (rng() % 8 == 0) ? v : 0.0f; break;
                case 5: v = std::round(v / scale * 2) * scale; break;
                case 6: v = 0.0f; break;
                default: break;
            }
            c.values[at + k] = v;
        }
    }
    if (weighted) {
        c.importance.resize(row_length);
        for (auto& w : c.importance) w = rng() % 5 == 0 ? 0.0f : std::ldexp(1.0f, static_cast<int>(rng() % 24) - 12);
    }
    const auto want = on_cpu(type, c);
    std::vector<uint8_t> got(want.size());
    ASSERT_TRUE(gpu->quantize(type, c.values, c.row_length, c.importance, got).has_value());
    ASSERT_EQ(quant_cases::first_difference(got, want, type, row_length), "") << gguf::type_display_name(type);
}

// A device opened for a release gives that release's IQ1_M bytes (the one
// type whose quantizer differs between releases), on inputs that tell the
// releases apart (Iq1mReleases.CasesTellTheReleasesApart).
TEST(VulkanReleases, Iq1mGivesTheOpenedReleasesBytes) {
    std::string why;
    if (!vulkan_test::device(&why)) GTEST_SKIP() << "no Vulkan device: " << why;
    for (const auto& release : gguf::llama_releases()) {
        gguf::quant::vk::DeviceRequest request;
        request.release = release.release;
        auto gpu = GpuQuantizer::open(request);
        ASSERT_TRUE(gpu.has_value()) << gpu.error().message;
        EXPECT_EQ((*gpu)->release(), release.release);
        for (bool weighted : {false, true}) {
            for (const auto& c : quant_cases::cases_for(TensorType::IQ1_M, weighted)) {
                const auto want = on_cpu(TensorType::IQ1_M, c, release.release);
                std::vector<uint8_t> got(want.size());
                ASSERT_TRUE((*gpu)->quantize(TensorType::IQ1_M, c.values, c.row_length, c.importance, got).has_value());
                ASSERT_EQ(quant_cases::first_difference(got, want, TensorType::IQ1_M, c.row_length), "") << release.name << " " << c.name;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Shaders, VulkanTypes,
                         testing::Combine(testing::Values(TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
                                                          TensorType::Q8_0, TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K,
                                                          TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_NL, TensorType::IQ4_XS,
                                                          TensorType::IQ3_XXS, TensorType::IQ3_S, TensorType::IQ2_XXS, TensorType::IQ2_XS,
                                                          TensorType::IQ2_S, TensorType::IQ1_S, TensorType::IQ1_M),
                                          testing::Bool()),
                         [](const auto& info) { return quant_cases::type_and_importance_name(info.param); });

// Rows of the first differential case of `type` with importance, each row
// scaled by its number (rows of different magnitudes), their weights, and
// the bytes the CPU core gives for them.
struct StreamRows {
    std::vector<float> values, importance;
    size_t out_row = 0;          // bytes of one quantized row
    std::vector<uint8_t> want;   // every row, quantized on the CPU
};

StreamRows stream_rows(TensorType type, int64_t row_length, int64_t rows) {
    const auto cases = quant_cases::cases_for(type, true);
    const auto& c = cases.front();
    StreamRows s{std::vector<float>(rows * row_length), std::vector<float>(row_length), *gguf::row_bytes(type, row_length), {}};
    for (size_t i = 0; i < s.values.size(); ++i) s.values[i] = c.values[i % c.values.size()] * static_cast<float>(1 + i / row_length);
    for (size_t i = 0; i < s.importance.size(); ++i) s.importance[i] = c.importance[i % c.importance.size()];
    s.want.resize(rows * s.out_row);
    EXPECT_TRUE(gguf::quantize_rows(type, s.values, row_length, s.importance, s.want).has_value());
    return s;
}

// Chunk k of a one-row-a-chunk stream: row k of `values`, for the device.
gguf::quant::vk::ChunkShape row_chunk(std::span<const float> values, std::span<const float> importance, int64_t row_length, uint64_t k,
                                      std::span<float> in) {
    const auto row = values.subspan(k * row_length, row_length);
    std::copy(row.begin(), row.end(), in.begin());
    return {1, importance, false};
}

// Many one-row chunks through the slots, one of them quantized by the
// producer itself: bytes come back whole and in order.
TEST(VulkanStream, ChunksComeBackInOrder) {
    REQUIRE_DEVICE(gpu);
    const auto type = TensorType::Q4_K;
    const int64_t row_length = 512, rows = 7;
    const auto [values, importance, out_row, want] = stream_rows(type, row_length, rows);
    std::vector<uint8_t> got;
    auto status = gpu->stream(
        type, row_length, 1, rows,
        [&](uint64_t k, std::span<float> in, std::span<uint8_t> bytes) -> gguf::Result<gguf::quant::vk::ChunkShape> {
            if (k == 3) {  // the producer's own chunk
                const auto row = std::span(values).subspan(k * row_length, row_length);
                if (auto s = gguf::quantize_rows(type, row, row_length, importance, bytes.first(out_row)); !s) return std::unexpected(s.error());
                return gguf::quant::vk::ChunkShape{1, importance, true};
            }
            return row_chunk(values, importance, row_length, k, in);
        },
        [&](uint64_t k, std::span<const uint8_t> bytes) -> gguf::Status {
            EXPECT_EQ(got.size(), k * out_row);
            got.insert(got.end(), bytes.begin(), bytes.end());
            return {};
        });
    ASSERT_TRUE(status.has_value()) << status.error().message;
    ASSERT_EQ(quant_cases::first_difference(got, want, type, row_length), "");
}

// The output cannot take a chunk (a full disk) while the producer still has
// chunks to fill: the stream stops with that error, consumes nothing after
// it, and the next stream on the same device gives whole, correct bytes.
TEST(VulkanStream, AFailingConsumerStopsTheStreamWithItsError) {
    REQUIRE_DEVICE(gpu);
    const auto type = TensorType::Q4_K;
    const int64_t row_length = 512, rows = 9;
    const auto [values, importance, out_row, want] = stream_rows(type, row_length, rows);
    auto produce = [&](uint64_t k, std::span<float> in, std::span<uint8_t>) -> gguf::Result<gguf::quant::vk::ChunkShape> {
        return row_chunk(values, importance, row_length, k, in);
    };
    std::vector<uint64_t> consumed;
    auto failed = gpu->stream(type, row_length, 1, rows, produce, [&](uint64_t k, std::span<const uint8_t>) -> gguf::Status {
        if (k == 2) return gguf::fail(gguf::ErrorCode::io, "out.gguf", "write failed: No space left on device");
        consumed.push_back(k);
        return {};
    });
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().message, "write failed: No space left on device");
    EXPECT_EQ(consumed, (std::vector<uint64_t>{0, 1}));

    std::vector<uint8_t> got;
    auto again = gpu->stream(type, row_length, 1, rows, produce, [&](uint64_t, std::span<const uint8_t> bytes) -> gguf::Status {
        got.insert(got.end(), bytes.begin(), bytes.end());
        return {};
    });
    ASSERT_TRUE(again.has_value()) << again.error().message;
    ASSERT_EQ(quant_cases::first_difference(got, want, type, row_length), "");
}

// Rows quantized in one-row chunks whose odd rows go up as Q8_0 blocks
// (dequantized on the device), so the inputs' bindings switch back and
// forth; `want`, what the CPU gives for the floats the device then sees.
struct AlternatingStream {
    TensorType type;
    int64_t row_length = 0, rows = 0;
    std::vector<float> values, importance;
    std::vector<uint8_t> blocks, want;
    size_t block_row = 0;

    AlternatingStream(TensorType t, int64_t length, int64_t count) : type(t), row_length(length), rows(count) {
        auto floats = stream_rows(type, row_length, rows);
        values = std::move(floats.values);
        importance = std::move(floats.importance);
        block_row = *gguf::row_bytes(TensorType::Q8_0, row_length);
        blocks.resize(rows * block_row);
        EXPECT_TRUE(gguf::quantize_rows(TensorType::Q8_0, values, row_length, {}, blocks).has_value());
        std::vector<float> seen = values;
        for (int64_t r = 1; r < rows; r += 2) {
            EXPECT_TRUE(gguf::dequantize_rows(TensorType::Q8_0, std::span(blocks).subspan(r * block_row, block_row), row_length,
                                              std::span(seen).subspan(r * row_length, row_length))
                            .has_value());
        }
        want.resize(rows * *gguf::row_bytes(type, row_length));
        EXPECT_TRUE(gguf::quantize_rows(type, seen, row_length, importance, want).has_value());
    }

    gguf::Result<std::vector<uint8_t>> run(GpuQuantizer& gpu) const {
        std::vector<uint8_t> got;
        auto status = gpu.stream(
            type, row_length, 1, rows,
            [&](uint64_t k, std::span<float> in, std::span<uint8_t>) -> gguf::Result<gguf::quant::vk::ChunkShape> {
                if (k % 2 == 0) {
                    const auto row = std::span(values).subspan(k * row_length, row_length);
                    std::copy(row.begin(), row.end(), in.begin());
                    return gguf::quant::vk::ChunkShape{1, importance, false};
                }
                std::memcpy(in.data(), blocks.data() + k * block_row, block_row);
                return gguf::quant::vk::ChunkShape{1, importance, false, TensorType::Q8_0};
            },
            [&](uint64_t, std::span<const uint8_t> bytes) -> gguf::Status {
                got.insert(got.end(), bytes.begin(), bytes.end());
                return {};
            });
        if (!status) return std::unexpected(status.error());
        return got;
    }
};

// Every way a chunk can reach the shaders gives the same bytes, with chunks
// of floats and chunks of Q8_0 blocks taking turns in one stream.
TEST(VulkanStream, EveryInputPathGivesTheCpuBytes) {
    using gguf::quant::vk::InputPath;
    std::string why;
    if (!vulkan_test::device(&why)) GTEST_SKIP() << "no Vulkan device: " << why;
    const AlternatingStream stream(TensorType::Q4_K, 1024, 6);
    for (const auto path : {InputPath::copy, InputPath::device_reads_host, InputPath::host_writes_device}) {
        gguf::quant::vk::DeviceRequest request;
        request.input_path = path;
        auto gpu = GpuQuantizer::open(request);
        ASSERT_TRUE(gpu.has_value()) << gpu.error().message;
        auto got = stream.run(**gpu);
        ASSERT_TRUE(got.has_value()) << got.error().message;
        // A device without mappable memory copies instead; lavapipe has it.
        if (path != InputPath::host_writes_device) {
            EXPECT_EQ((*gpu)->last_profile().input_path, path);
        }
        EXPECT_EQ(quant_cases::first_difference(*got, stream.want, stream.type, stream.row_length), "")
            << "input path " << static_cast<int>(path);
    }
}

// Each buffer allocation of a stream fails in turn (chunk slots, encoded
// chunks, a lattice table): the stream falls back (host-mapped memory to
// copies) and gives the CPU's bytes, or fails with the allocation's error;
// either way every buffer the device still has is one the quantizer holds.
TEST(VulkanDevice, EveryBufferThatCannotBeMadeLeavesNoneBehind) {
    std::string why;
    if (!vulkan_test::device(&why)) GTEST_SKIP() << "no Vulkan device: " << why;
    const AlternatingStream stream(TensorType::IQ2_XS, 512, 4);
    uint64_t allocations = 0;
    {
        auto gpu = GpuQuantizer::open({});
        ASSERT_TRUE(gpu.has_value()) << gpu.error().message;
        ASSERT_TRUE(stream.run(**gpu).has_value());
        allocations = (*gpu)->buffer_counts().attempted;
    }
    ASSERT_GT(allocations, 8u);
    for (uint64_t n = 1; n <= allocations; ++n) {
        gguf::quant::vk::DeviceRequest request;
        request.fail_buffer_at = n;
        auto gpu = GpuQuantizer::open(request);
        ASSERT_TRUE(gpu.has_value()) << gpu.error().message;
        auto got = stream.run(**gpu);
        if (got) {
            EXPECT_EQ(quant_cases::first_difference(*got, stream.want, stream.type, stream.row_length), "") << "allocation " << n;
        } else {
            EXPECT_NE(got.error().message.find("fail_buffer_at"), std::string::npos) << "allocation " << n << ": " << got.error().message;
        }
        const auto counts = (*gpu)->buffer_counts();
        EXPECT_EQ(counts.live, counts.held) << "allocation " << n << " failed: " << counts.live - counts.held << " buffers leaked";
    }
}

// Told the streams to come (reserve), the quantizer makes their chunk
// buffers at once: the streams allocate nothing, and give the same bytes.
TEST(VulkanDevice, ReservedShapesLeaveTheirStreamsNothingToAllocate) {
    std::string why;
    if (!vulkan_test::device(&why)) GTEST_SKIP() << "no Vulkan device: " << why;
    const AlternatingStream stream(TensorType::IQ2_XS, 512, 4);
    auto gpu = GpuQuantizer::open({});
    ASSERT_TRUE(gpu.has_value()) << gpu.error().message;
    ASSERT_TRUE((*gpu)->agrees_with_cpu(stream.type, true).value_or(false));  // its lattice table, made once per type
    const GpuQuantizer::StreamShape shapes[] = {{TensorType::Q4_K, 2048, std::nullopt}, {stream.type, 512, TensorType::Q8_0}};
    ASSERT_TRUE((*gpu)->reserve(shapes).has_value());
    const uint64_t reserved = (*gpu)->buffer_counts().attempted;
    auto got = stream.run(**gpu);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_EQ(quant_cases::first_difference(*got, stream.want, stream.type, stream.row_length), "");
    EXPECT_EQ((*gpu)->buffer_counts().attempted, reserved);
}

// Pipeline statistics (benchmarks) are kept only when asked for, one entry
// per pipeline built, named by its shader and specialization; asking never
// changes the bytes, on a device that reports them or one that does not.
TEST(VulkanDevice, PipelineStatisticsAreKeptOnlyWhenAsked) {
    std::string why;
    if (!vulkan_test::device(&why)) GTEST_SKIP() << "no Vulkan device: " << why;
    const auto type = TensorType::IQ2_XS;
    const int64_t row_length = 512;
    const auto [values, importance, out_row, want] = stream_rows(type, row_length, 2);
    for (bool asked : {false, true}) {
        gguf::quant::vk::DeviceRequest request;
        request.pipeline_statistics = asked;
        auto gpu = GpuQuantizer::open(request);
        ASSERT_TRUE(gpu.has_value()) << gpu.error().message;
        std::vector<uint8_t> got(want.size());
        ASSERT_TRUE((*gpu)->quantize(type, values, row_length, importance, got).has_value());
        EXPECT_EQ(quant_cases::first_difference(got, want, type, row_length), "");
        const auto& stats = (*gpu)->pipeline_statistics();
        if (!asked) {
            EXPECT_TRUE(stats.empty());
        }
        for (const auto& s : stats) {
            EXPECT_FALSE(s.values.empty()) << s.shader;
            EXPECT_EQ(s.shader, "iq2");
            EXPECT_EQ(s.spec[0], 1);  // IQ2_XS
        }
    }
}

// Whatever the machine's device count, the refusal counts them in a sentence
// that agrees with the number.
TEST(VulkanDevice, ADeviceNumberPastTheLastIsRefusedCountingTheDevices) {
    std::string why;
    if (!vulkan_test::device(&why)) GTEST_SKIP() << "no Vulkan device: " << why;
    gguf::quant::vk::DeviceRequest request;
    request.index = 99;
    auto gpu = GpuQuantizer::open(request);
    ASSERT_FALSE(gpu.has_value());
    const std::string& message = gpu.error().message;
    std::smatch count;
    ASSERT_TRUE(std::regex_search(message, count, std::regex(R"(^no Vulkan device 99 \(there (is|are) (\d+)\)$)"))) << message;
    EXPECT_EQ(count[1] == "is", count[2] == "1") << message;
}

TEST(VulkanDevice, UnknownDeviceNamesAreRefused) {
    auto q = gguf::make_quantizer(1, "gpu");
    ASSERT_FALSE(q.has_value());
    EXPECT_NE(q.error().message.find("cpu, auto, vulkan or vulkan:N"), std::string::npos);
    ASSERT_TRUE(gguf::make_quantizer(1, "cpu").has_value());
}

// Runs `gguf-mtp quantize --pure --force --device DEVICE [OPTIONS] IN OUT
// TYPE 1` with `env` before it; returns the exit status and appends the
// output to *text.
int run_quantize(const std::string& env, const std::string& device, const std::string& in, const std::string& out,
                 const std::string& type, std::string* text, const std::string& options = "") {
    const std::string cmd = env + GGUF_MTP_BIN + " quantize --pure --force --device " + device + " " + options + " " + in + " " + out + " " + type +
                            " 1 2>&1";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    char buf[512];
    while (pipe && std::fgets(buf, sizeof buf, pipe)) *text += buf;
    const int status = pipe ? ::pclose(pipe) : -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const std::string kBundled = std::string(fixtures::kFixturesDir) + "/llama-bundled.gguf";
// Rows of 256 values: the k-quants apply (narrower rows fall back to legacy types).
const std::string kWide = std::string(fixtures::kFixturesDir) + "/glm4moe-wide-bundled.gguf";

// With the loader pointed at no driver, --device vulkan fails with one clear
// line and auto falls back to the CPU silently.
TEST(VulkanDevice, NoDeviceIsAClearErrorAndAutoUsesTheCpu) {
    const std::string out = testing::TempDir() + "vulkan_no_device.gguf";
    std::remove(out.c_str());
    const std::string env = "VK_ICD_FILENAMES=/nonexistent/icd.json VK_DRIVER_FILES=/nonexistent/icd.json ";
    std::string text;
    EXPECT_EQ(run_quantize(env, "vulkan", kBundled, out, "Q8_0", &text), 1) << text;
    EXPECT_NE(text.find("gguf-mtp: error:"), std::string::npos) << text;
    EXPECT_NE(text.find("Vulkan"), std::string::npos) << text;
    EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line: " << text;
    text.clear();
    EXPECT_EQ(run_quantize(env, "auto", kBundled, out, "Q8_0", &text), 0) << text;
}

// The device is chosen while the CPU quantizes; a device asked for that is
// not there still fails the command with the device's own message, the one
// choosing gives, and leaves no output or temporary file behind.
TEST(VulkanDevice, AMissingDeviceFailsTheWriteWithItsOwnError) {
    REQUIRE_DEVICE(gpu);
    const gguf_test::TempDir scratch;
    for (const std::string options : {"", "--verbose"}) {
        std::string text;
        EXPECT_EQ(run_quantize("", "vulkan:99", kWide, scratch.file("o.gguf"), "Q4_K", &text, options), 1) << text;
        EXPECT_TRUE(std::regex_match(text, std::regex(R"(gguf-mtp: error: no Vulkan device 99 \(there (is|are) \d+\)\n)"))) << options << ": " << text;
        EXPECT_EQ(scratch.listing(), std::vector<std::string>{}) << options;
    }
}

// The whole command: a model file quantized on the device is the CPU's file,
// byte for byte, for every k-quant with a shader and an i-quant reading its
// lattice.
// While the device opens, the CPU quantizes a tensor's first chunks and the
// device the rest: the tensor's bytes are the CPU's alone, wherever it stops.
TEST(VulkanDevice, TensorBegunOnTheCpuIsTheCpuTensor) {
    REQUIRE_DEVICE(gpu);
    auto file = gguf::GgufFile::open(kWide);
    ASSERT_TRUE(file) << file.error().to_string();
    size_t largest = 0;
    for (size_t i = 0; i < file->tensors().size(); ++i) {
        if (file->tensors()[i].type == gguf::TensorType::F16 && file->tensors()[i].n_bytes > file->tensors()[largest].n_bytes) largest = i;
    }
    const gguf::TensorInfo& info = file->tensors()[largest];
    gguf::quant::ThreadPool pool(2);
    auto cpu = gguf::quant::make_cpu_backend(pool);
    auto device = gguf::quant::open_vulkan_backend({}, pool);
    ASSERT_TRUE(device) << device.error().to_string();
    for (auto target : {gguf::TensorType::Q4_K, gguf::TensorType::IQ4_XS}) {
        gguf::TransformSource source;
        source.input = {&*file, largest};
        source.target = target;
        source.importance.assign(info.ne[0], 1.0f);
        source.chunk_bytes = 8 * info.ne[0] * 4;
        auto whole = gguf_test::run_handed_over(*cpu, *cpu, source, UINT64_MAX);
        ASSERT_TRUE(whole) << whole.error().to_string();
        for (uint64_t chunks : {0, 1, 3}) {
            auto handed = gguf_test::run_handed_over(*cpu, **device, source, chunks);
            ASSERT_TRUE(handed) << handed.error().to_string();
            EXPECT_EQ(handed->stopped, chunks * 8);
            EXPECT_TRUE(handed->bytes == whole->bytes) << gguf::type_display_name(target) << " handed over at row " << handed->stopped << " on "
                                                       << gpu->device_name();
        }
    }
}

// The fixture's largest F16 tensor quantized to each of `targets` by a
// Vulkan back end whose `garbled` shaders give other bytes than the CPU
// core's, and on the CPU: expects the same bytes; returns the back end's
// warnings.
std::vector<std::string> warnings_after_cpu_bytes(TensorType garbled, std::initializer_list<TensorType> targets) {
    auto file = gguf::GgufFile::open(kWide);
    EXPECT_TRUE(file) << file.error().to_string();
    if (!file) return {};
    size_t largest = 0;
    for (size_t i = 0; i < file->tensors().size(); ++i) {
        if (file->tensors()[i].type == TensorType::F16 && file->tensors()[i].n_bytes > file->tensors()[largest].n_bytes) largest = i;
    }
    gguf::quant::ThreadPool pool(2);
    auto cpu = gguf::quant::make_cpu_backend(pool);
    gguf::quant::VulkanChoice choice;
    choice.garbled_type = garbled;
    auto device = gguf::quant::open_vulkan_backend(choice, pool);
    EXPECT_TRUE(device) << device.error().to_string();
    if (!device) return {};
    for (auto target : targets) {
        gguf::TransformSource source;
        source.input = {&*file, largest};
        source.target = target;
        source.importance.assign(file->tensors()[largest].ne[0], 1.0f);
        auto on_cpu = gguf_test::run_handed_over(*cpu, *cpu, source, UINT64_MAX);
        auto on_device = gguf_test::run_handed_over(*cpu, **device, source, 0);
        if (!on_cpu || !on_device) {
            ADD_FAILURE() << (on_cpu ? on_device.error() : on_cpu.error()).to_string();
            continue;
        }
        EXPECT_TRUE(on_device->bytes == on_cpu->bytes) << gguf::type_display_name(target);
    }
    return (*device)->warnings();
}

// A device whose shader for a type gives other bytes than the CPU core (as
// a miscompiled one would: garbled_type) quantizes no tensor of that type:
// the CPU does, the bytes are the CPU's, and the back end says so in a
// warning. Other types stay on the device.
TEST(VulkanDevice, ATypeWhoseShaderDisagreesIsLeftToTheCpu) {
    REQUIRE_DEVICE(gpu);
    const TensorType garbled = TensorType::IQ4_XS;
    gguf::quant::vk::DeviceRequest request;
    request.garbled_type = garbled;
    auto opened = GpuQuantizer::open(request);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    std::vector<float> row(1024);
    for (size_t i = 0; i < row.size(); ++i) row[i] = std::sin(0.37f * static_cast<float>(i));
    std::vector<uint8_t> want(*gguf::row_bytes(garbled, row.size())), got(want.size());
    ASSERT_TRUE(gguf::quantize_rows(garbled, row, row.size(), {}, want).has_value());
    ASSERT_TRUE((*opened)->quantize(garbled, row, row.size(), {}, got).has_value());
    EXPECT_NE(got, want);  // the hook garbles
    for (const auto& [type, agrees] : {std::pair{garbled, false}, {TensorType::Q4_K, true}}) {
        const auto checked = (*opened)->agrees_with_cpu(type, true);
        ASSERT_TRUE(checked.has_value()) << checked.error().message;
        EXPECT_EQ(*checked, agrees) << gguf::type_display_name(type);
    }

    const auto warnings = warnings_after_cpu_bytes(garbled, {TensorType::Q4_K, garbled});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("gave IQ4_XS bytes unlike the CPU core's on a check sample; its 1 tensor was quantized on the CPU"), std::string::npos)
        << warnings[0];
}

// The same for reading stored blocks: where the device's F16 dequantize
// disagrees with the CPU core, F16 tensors are read into floats on the CPU
// (the bytes are the CPU's) and quantized on the device, with a warning.
TEST(VulkanDevice, ASourceWhoseDequantizeDisagreesIsReadOnTheCpu) {
    REQUIRE_DEVICE(gpu);
    gguf::quant::vk::DeviceRequest request;
    request.garbled_type = TensorType::F16;
    auto opened = GpuQuantizer::open(request);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    for (const auto& [type, agrees] : {std::pair{TensorType::F16, false}, {TensorType::BF16, true}}) {
        const auto checked = (*opened)->reads_as_cpu(type);
        ASSERT_TRUE(checked.has_value()) << checked.error().message;
        EXPECT_EQ(*checked, agrees) << gguf::type_display_name(type);
    }

    const auto warnings = warnings_after_cpu_bytes(TensorType::F16, {TensorType::Q4_K});
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("read F16 blocks into floats unlike the CPU core on a check sample; 1 tensor was read into floats on the CPU"),
              std::string::npos)
        << warnings[0];
}

TEST(VulkanDevice, QuantizedFileIsTheCpuFile) {
    REQUIRE_DEVICE(gpu);
    const gguf_test::TempDir scratch;  // of its own: other runs of this test may share the temporary folder
    for (const std::string type : {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ3_S"}) {
        const std::string on_cpu_file = scratch.file("cpu.gguf");
        const std::string on_gpu_file = scratch.file("gpu.gguf");
        std::string text;
        ASSERT_EQ(run_quantize("", "cpu", kWide, on_cpu_file, type, &text), 0) << text;
        ASSERT_EQ(run_quantize("", "vulkan", kWide, on_gpu_file, type, &text), 0) << text;
        const auto want = gguf_test::read_file(on_cpu_file);
        EXPECT_FALSE(want.empty());
        EXPECT_TRUE(gguf_test::read_file(on_gpu_file) == want) << type << " differs on " << gpu->device_name();
    }
}

// Requantizing: BF16 and Q8_0 models (written from the F16 fixture on the
// CPU) go to the device as their blocks and are dequantized there; the file
// is still the CPU's, and --verbose names no tensor read on the CPU.
TEST(VulkanDevice, RequantizedFileIsTheCpuFile) {
    REQUIRE_DEVICE(gpu);
    for (const std::string source : {"BF16", "Q8_0", "Q6_K"}) {
        const std::string in = testing::TempDir() + "vulkan_requantize_" + source + ".gguf";
        std::string text;
        ASSERT_EQ(run_quantize("", "cpu", kWide, in, source, &text), 0) << text;
        for (const std::string type : {"Q4_0", "Q4_K", "IQ4_XS"}) {
            const std::string on_cpu_file = testing::TempDir() + "vulkan_requantize_cpu.gguf";
            const std::string on_gpu_file = testing::TempDir() + "vulkan_requantize_gpu.gguf";
            ASSERT_EQ(run_quantize("", "cpu", in, on_cpu_file, type, &text, "--allow-requantize"), 0) << text;
            text.clear();
            ASSERT_EQ(run_quantize("", "vulkan", in, on_gpu_file, type, &text, "--allow-requantize --verbose"), 0) << text;
            EXPECT_EQ(text.find("on the CPU"), std::string::npos) << text;
            const auto want = gguf_test::read_file(on_cpu_file);
            EXPECT_FALSE(want.empty());
            EXPECT_TRUE(gguf_test::read_file(on_gpu_file) == want) << source << " to " << type << " differs on " << gpu->device_name();
        }
    }
}

// --verbose names each tensor the device leaves to the CPU: a target type
// without a quantize shader, and a source type without a dequantize shader.
TEST(VulkanDevice, VerboseNamesTensorsLeftToTheCpu) {
    REQUIRE_DEVICE(gpu);
    const std::string in = testing::TempDir() + "vulkan_verbose_iq3_s.gguf";
    const std::string out = testing::TempDir() + "vulkan_verbose_out.gguf";
    std::string text;
    ASSERT_EQ(run_quantize("", "cpu", kWide, in, "IQ3_S", &text), 0) << text;
    text.clear();
    ASSERT_EQ(run_quantize("", "vulkan", kWide, out, "TQ2_0", &text, "--verbose"), 0) << text;
    EXPECT_NE(text.find("quantize: 'blk.0.attn_q.weight' on the CPU: TQ2_0 has no Vulkan shader"), std::string::npos) << text;
    text.clear();
    ASSERT_EQ(run_quantize("", "vulkan", in, out, "Q4_K", &text, "--allow-requantize --verbose"), 0) << text;
    EXPECT_NE(text.find("quantize: 'blk.0.attn_q.weight' read into floats on the CPU: IQ3_S has no Vulkan dequantize shader"), std::string::npos)
        << text;
}

// After writing, --verbose says where the device's time went, and every
// quantized tensor is counted once: on the device, or on the CPU while the
// device was still opening. The model is large enough that the device,
// choosing and opening beside the CPU, usually gets tensors (on the wide
// fixture the CPU mostly finished them all first); where it gets none, the
// count still adds up.
TEST(VulkanDevice, VerboseAccountsForEveryTensor) {
    REQUIRE_DEVICE(gpu);
    const std::string in = std::string(fixtures::kFixturesDir) + "/qwen35-bundled.gguf";
    const std::string out = testing::TempDir() + "vulkan_verbose_activity.gguf";
    std::string text;
    ASSERT_EQ(run_quantize("", "vulkan", in, out, "Q4_K", &text, "--verbose --pure"), 0) << text;
    std::smatch device, opening, summary;
    int on_device = 0;
    if (!std::regex_search(text, std::regex(R"(\(Vulkan device \d+\): no tensors)"))) {
        ASSERT_TRUE(std::regex_search(text, device, std::regex(R"(\(Vulkan device \d+\): (\d+) tensors?, (\d+) chunks in [0-9.]+ s; host filling [0-9.]+ s, )"
                                                               R"(waiting [0-9.]+ s; writing beside it [0-9.]+ s; device uploading [0-9.]+ s, computing [0-9.]+ s)")))
            << text;
        on_device = std::stoi(device[1]);
        EXPECT_GE(std::stoi(device[2]), on_device) << text;
    }
    ASSERT_TRUE(std::regex_search(text, summary, std::regex(R"(Q4_K: (\d+) tensors quantized)"))) << text;
    const bool some_early = std::regex_search(text, opening, std::regex(R"(the CPU quantized (\d+) tensors? while the device opened)"));
    EXPECT_EQ(on_device + (some_early ? std::stoi(opening[1]) : 0), std::stoi(summary[1])) << text;
    // Q4_K was prepared (its shader made and checked) before the device
    // called itself ready.
    EXPECT_TRUE(std::regex_search(text, std::regex(R"(; the device opened in [0-9.]+ s and prepared [1-9]\d* types? in [0-9.]+ s)"))) << text;
}

}  // namespace
