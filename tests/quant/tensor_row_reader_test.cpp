// TensorRowReader on real bytes: any run of rows it reads, one that cuts a
// group of interleaved rows included, holds the floats of those rows in the
// whole tensor dequantized at once (dequantize_rows over all its bytes and
// its trailer), as do single rows read in any order with the same buffers.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "gguf/format/gguf_file.h"
#include "gguf/format/tensor_info.h"
#include "gguf/quant/cpu/quantize.h"
#include "gguf/quant/cpu/tensor_row_reader.h"
#include "gguf_fixtures.h"
#include "seeded_blocks.h"
#include "test_support.h"

namespace gguf {
namespace {

bool same_floats(std::span<const float> a, std::span<const float> b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;  // NaN equals its own bits
}

// Reads runs and single rows of every tensor of `path` gguf-mtp reads as
// floats, against slices of the whole tensor; the types it read.
std::set<TensorType> expect_runs_are_slices(const std::string& path) {
    auto file = GgufFile::open(path);
    EXPECT_TRUE(file) << file.error().to_string();
    if (!file) return {};
    std::set<TensorType> read;
    RowReadBuffers buffers;  // shared by every read: sizes change from read to read
    for (size_t i = 0; i < file->tensors().size(); ++i) {
        const TensorInfo& t = file->tensors()[i];
        const uint64_t length = t.ne[0];
        if (length == 0 || !dequantize_refusal(t.type, length).empty()) continue;
        const uint64_t rows = t.n_elements() / length;
        const auto bytes = file->tensor_data(i);
        const uint64_t rows_bytes = rows * *row_bytes(t.type, length);
        std::vector<float> whole(rows * length);
        const auto decoded = dequantize_rows(t.type, bytes.first(rows_bytes), length, whole, bytes.subspan(rows_bytes));
        auto reader = TensorRowReader::open(*file, i);
        if (!decoded || !reader) {
            ADD_FAILURE() << t.name << ": " << (decoded ? reader.error() : decoded.error()).to_string();
            continue;
        }
        EXPECT_EQ(reader->row_length(), length);
        const uint64_t g = reader->group_rows();
        EXPECT_EQ(g, dequantize_group_rows(t.type)) << t.name;
        auto expect_run = [&](uint64_t first, uint64_t last) {
            std::vector<float> run((last - first) * length);
            auto ok = reader->read(first, run, buffers);
            ASSERT_TRUE(ok) << t.name << " rows [" << first << ", " << last << "): " << ok.error().to_string();
            EXPECT_TRUE(same_floats(run, std::span(whole).subspan(first * length, run.size())))
                << t.name << " (" << type_label(t.type) << ") rows [" << first << ", " << last << ")";
        };
        // Every run starting and ending in the first groups, and every run to the last row from them.
        for (uint64_t first = 0; first < std::min(rows, 2 * g + 1); ++first) {
            for (uint64_t last = first + 1; last <= std::min(rows, first + 2 * g + 1); ++last) expect_run(first, last);
            expect_run(first, rows);
        }
        for (uint64_t first = rows - std::min(rows, 2 * g + 1); first < rows; ++first) expect_run(first, rows);
        // Single rows in reverse, as a sample reads them.
        for (uint64_t row = rows; row-- > 0;) expect_run(row, row + 1);
        read.insert(t.type);
    }
    return read;
}

TEST(TensorRowReader, RunsOfInterleavedRowsAreSlicesOfTheWholeTensor) {
    std::set<TensorType> read;
    for (const char* name : {"glm4moe-ik-bundled.gguf", "qwen35moe-ik-bundled.gguf"}) read.merge(expect_runs_are_slices(fixtures::path(name)));
    // Interleaved in 4 and in 8, and F32's rows read in place.
    for (TensorType type : {TensorType::IK_Q4_0_4_4, TensorType::IQ4_NL_R4, TensorType::Q8_0_R8, TensorType::IQ4_XS_R8, TensorType::F32})
        EXPECT_TRUE(read.contains(type)) << type_label(type) << " was not read";
}

TEST(TensorRowReader, RunsOfI2sRowsReadTheirTensorsScale) {
    // The fixtures' I2_S rows are too short to read (its 128-value blocks run
    // on across rows); these are 512 values, their scale after the last row.
    constexpr uint64_t kLength = 512, kRows = 16;
    const uint64_t rows_bytes = kRows * *row_bytes(TensorType::I2_S, kLength);
    auto bytes = gguf_test::seeded_bytes(7, rows_bytes + tensor_trailer_bytes(TensorType::I2_S));
    gguf_test::tame_f32(bytes, rows_bytes);
    PlannedTensor t;
    t.info.name = "blk.0.attn_output.weight";
    t.info.type = TensorType::I2_S;
    t.info.n_dims = 2;
    t.info.ne = {kLength, kRows, 1, 1};
    t.info.n_bytes = bytes.size();
    t.source = FillSource([bytes](std::span<uint8_t> out) {
        std::copy(bytes.begin(), bytes.end(), out.begin());
        return Status{};
    });
    Plan plan;
    plan.metadata.append("general.architecture", Value::string("llama"));
    plan.tensors.push_back(std::move(t));
    gguf_test::TempDir dir;
    gguf_test::write_plan_or_fail(plan, dir.file("i2s.gguf"));
    EXPECT_TRUE(expect_runs_are_slices(dir.file("i2s.gguf")).contains(TensorType::I2_S));
}

}  // namespace
}  // namespace gguf
