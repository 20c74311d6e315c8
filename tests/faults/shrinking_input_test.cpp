// An input that shrinks after it was opened (replaced on a network share,
// truncated by another program) while a plan copies or quantizes it: the
// write fails with an error naming the input and the offset it could not
// read, leaves no output, and the process lives on. Read through the mapping,
// the missing pages would have killed it with SIGBUS. The same holds for
// verify's data scan.
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/plan/writer.h"
#include "gguf/quant/quantize_plan.h"
#include "gguf/quant/quantize_tensor.h"
#include "gguf/split/model.h"
#include "gguf_fixtures.h"
#include "verify/checks.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using gguf_test::TempDir;

class ShrinkingInput : public testing::TestWithParam<bool> {};

TEST_P(ShrinkingInput, IsAnErrorNamingTheFileNotACrash) {
    const bool quantize = GetParam();
    TempDir dir;
    const std::string in = dir.file("in.gguf");
    fs::copy_file(fixtures::path("llama-bundled.gguf"), in);
    auto model = gguf::Model::open(in);
    ASSERT_TRUE(model) << model.error().to_string();

    gguf::Plan plan;
    if (quantize) {
        gguf::QuantizeOptions options;
        options.preset = gguf::find_preset("Q8_0");
        options.pure = true;
        auto planned = gguf::plan_quantize(*model, options);
        ASSERT_TRUE(planned) << planned.error().to_string();
        plan = std::move(planned->plan);
    } else {
        plan = gguf::plan_copy(*model);
    }
    // Cut the input in the middle of its tensor data, after it was opened.
    const uint64_t data_offset = model->shard(0).data_offset();
    const uint64_t size = fs::file_size(in);
    const uint64_t cut = data_offset + (size - data_offset) / 2;
    fs::resize_file(in, cut);

    const auto threads = gguf::make_quantizer(2);
    gguf::WriteOptions write;
    write.output = dir.file("out.gguf");
    write.transformer = &gguf::as_transformer(*threads);
    auto written = gguf::write_plan(plan, write);
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error().file, in) << written.error().to_string();
    ASSERT_TRUE(written.error().offset.has_value()) << written.error().to_string();
    EXPECT_GE(*written.error().offset, data_offset);
    EXPECT_LT(*written.error().offset, size);  // where a read was due: at or past the cut
    EXPECT_NE(written.error().message.find("shrank"), std::string::npos) << written.error().to_string();
    EXPECT_EQ(dir.listing(), std::vector<std::string>{"in.gguf"});
}

INSTANTIATE_TEST_SUITE_P(WhileWriting, ShrinkingInput, testing::Bool(),
                         [](const auto& info) { return info.param ? "quantized" : "copied"; });

TEST(ShrinkingInputWhileVerifying, IsAFindingNamingTheFileNotACrash) {
    TempDir dir;
    const std::string in = dir.file("in.gguf");
    fs::copy_file(fixtures::path("llama-bundled.gguf"), in);
    auto model = gguf::Model::open(in);
    ASSERT_TRUE(model) << model.error().to_string();
    const uint64_t data_offset = model->shard(0).data_offset();
    fs::resize_file(in, data_offset + (fs::file_size(in) - data_offset) / 2);
    gguf::VerifyReport report;
    gguf::detail::scan_tensor_data(*model, {.scan_data = true, .threads = 2, .on_progress = {}}, report);
    ASSERT_EQ(report.findings.size(), 1u);
    const gguf::Error& e = report.findings.front().error;
    EXPECT_EQ(e.file, in) << e.to_string();
    EXPECT_NE(e.message.find("shrank"), std::string::npos) << e.to_string();
    EXPECT_GE(e.offset.value_or(0), data_offset) << e.to_string();
}

}  // namespace
