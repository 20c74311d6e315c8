// A tensor a back end begins and another finishes (the CPU's first chunks
// while a GPU opens, the GPU's the rest) is byte for byte the tensor one
// back end quantizes whole, wherever the first one stops.
#include <gtest/gtest.h>

#include "gguf/format/gguf_file.h"
#include "gguf_fixtures.h"
#include "handoff_run.h"
#include "parallel/thread_pool.h"

namespace gguf {
namespace {

TEST(BackendHandoff, StoppingAtAnyChunkGivesTheSameBytes) {
    auto file = GgufFile::open(std::string(fixtures::kFixturesDir) + "/glm4moe-wide-bundled.gguf");
    ASSERT_TRUE(file) << file.error().to_string();
    size_t largest = 0;
    for (size_t i = 0; i < file->tensors().size(); ++i) {
        const auto& t = file->tensors()[i];
        if (t.type == TensorType::F16 && t.n_bytes > file->tensors()[largest].n_bytes) largest = i;
    }
    const TensorInfo& info = file->tensors()[largest];
    ASSERT_EQ(info.type, TensorType::F16);
    TransformSource source;
    source.input = {&*file, largest};
    source.target = TensorType::Q4_K;
    source.chunk_bytes = 4 * info.ne[0] * 4;  // four rows a chunk: many places to stop
    quant::ThreadPool pool(2);
    auto first = quant::make_cpu_backend(pool), second = quant::make_cpu_backend(pool);
    auto whole = gguf_test::run_handed_over(*first, *second, source, UINT64_MAX);
    ASSERT_TRUE(whole) << whole.error().to_string();
    const uint64_t rows = info.n_elements() / info.ne[0];
    ASSERT_EQ(whole->stopped, rows);
    uint64_t previous = 0;
    for (uint64_t chunks : {0, 1, 2, 5}) {
        auto handed = gguf_test::run_handed_over(*first, *second, source, chunks);
        ASSERT_TRUE(handed) << handed.error().to_string();
        EXPECT_EQ(handed->stopped, chunks * 4) << info.name;
        EXPECT_GE(handed->stopped, previous);
        previous = handed->stopped;
        EXPECT_TRUE(handed->bytes == whole->bytes) << info.name << " handed over at row " << handed->stopped;
    }
}

}  // namespace
}  // namespace gguf
