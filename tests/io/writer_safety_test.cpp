// The writer never damages its inputs and never leaves partial outputs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "gguf/split/model.h"
#include "gguf/plan/writer.h"
#include "test_support.h"

using gguf_test::TempDir;

namespace {

gguf::Status fail_to_fill(std::span<uint8_t>) {
    static const gguf::Error simulated{gguf::ErrorCode::io, "", std::nullopt, "simulated failure"};
    return std::unexpected(simulated);
}

class WriterSafety : public testing::Test {
protected:
    void SetUp() override {
        gguf_test::write_plan_or_fail(gguf_test::random_plan(5), dir_.file("in.gguf"));
        original_ = gguf_test::read_file(dir_.file("in.gguf"));
        auto m = gguf::Model::open(dir_.file("in.gguf"));
        ASSERT_TRUE(m.has_value());
        model_.emplace(std::move(*m));
    }

    gguf::Result<gguf::WriteReport> copy_to(const std::string& path, bool overwrite = false) {
        gguf::WriteOptions o;
        o.output = path;
        o.overwrite = overwrite;
        o.inputs = model_->identities();
        return gguf::write_plan(gguf::plan_copy(*model_), o);
    }

    void expect_input_intact() { EXPECT_EQ(gguf_test::read_file(dir_.file("in.gguf")), original_); }

    TempDir dir_;
    std::vector<uint8_t> original_;
    std::optional<gguf::Model> model_;
};

TEST_F(WriterSafety, RefusesToWriteOverItsInputByPathSymlinkOrHardLink) {
    std::filesystem::create_symlink(dir_.file("in.gguf"), dir_.file("link.gguf"));
    std::filesystem::create_hard_link(dir_.file("in.gguf"), dir_.file("hard.gguf"));
    for (const char* name : {"in.gguf", "link.gguf", "hard.gguf"}) {
        auto r = copy_to(dir_.file(name), /*overwrite=*/true);
        ASSERT_FALSE(r.has_value()) << name;
        EXPECT_NE(r.error().message.find("input"), std::string::npos) << r.error().to_string();
    }
    expect_input_intact();
    EXPECT_EQ(dir_.listing(), (std::vector<std::string>{"hard.gguf", "in.gguf", "link.gguf"}));
}

TEST_F(WriterSafety, RefusesAnExistingOutputUnlessAskedToReplaceIt) {
    gguf_test::write_file(dir_.file("out.gguf"), {1, 2, 3});
    auto refused = copy_to(dir_.file("out.gguf"));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(gguf_test::read_file(dir_.file("out.gguf")), (std::vector<uint8_t>{1, 2, 3}));
    auto replaced = copy_to(dir_.file("out.gguf"), true);
    ASSERT_TRUE(replaced.has_value()) << replaced.error().to_string();
    EXPECT_EQ(gguf_test::read_file(dir_.file("out.gguf")), original_);
}

TEST_F(WriterSafety, AFailingTensorLeavesNoOutputAndNoTemporary) {
    gguf::Plan plan = gguf::plan_copy(*model_);
    gguf::PlannedTensor bad = plan.tensors.back();
    bad.info.name = "failing.weight";
    bad.source = gguf::FillSource(fail_to_fill);
    plan.tensors.push_back(bad);
    for (auto split : {gguf::SplitLimits{}, gguf::SplitLimits{0, 2, false}}) {
        gguf::WriteOptions o;
        o.output = dir_.file("out.gguf");
        o.split = split;
        auto r = gguf::write_plan(plan, o);
        ASSERT_FALSE(r.has_value());
        EXPECT_NE(r.error().to_string().find("failing.weight"), std::string::npos) << r.error().to_string();
        EXPECT_EQ(dir_.listing(), std::vector<std::string>{"in.gguf"});
    }
    expect_input_intact();
}

TEST_F(WriterSafety, MissingOutputDirectoryIsAClearIoError) {
    auto r = copy_to(dir_.file("no/such/dir/out.gguf"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, gguf::ErrorCode::io);
    EXPECT_EQ(r.error().file, dir_.file("no/such/dir/out.gguf"));
}

TEST_F(WriterSafety, PlansThatBreakTheFormatAreRefusedBeforeWriting) {
    gguf::Plan plan = gguf::plan_copy(*model_);
    plan.tensors.push_back(plan.tensors.front());
    gguf::WriteOptions o;
    o.output = dir_.file("out.gguf");
    auto dup = gguf::write_plan(plan, o);
    ASSERT_FALSE(dup.has_value());
    EXPECT_NE(dup.error().message.find("planned twice"), std::string::npos);

    plan.tensors.pop_back();
    plan.tensors.front().info.name = std::string(64, 'n');
    auto long_name = gguf::write_plan(plan, o);
    ASSERT_FALSE(long_name.has_value());
    EXPECT_EQ(dir_.listing(), std::vector<std::string>{"in.gguf"});
}

TEST_F(WriterSafety, AConversionWithoutATransformerIsRefusedBeforeWriting) {
    // A plan names its conversions; running them is the transformer's job,
    // and a plan without one given must not become half a file.
    gguf::Plan plan = gguf::plan_copy(*model_);
    gguf::TransformSource convert;
    convert.input = std::get<gguf::CopySource>(plan.tensors.back().source);
    convert.target = gguf::TensorType::Q8_0;
    plan.tensors.back().source = convert;
    gguf::WriteOptions o;
    o.output = dir_.file("out.gguf");
    auto written = gguf::write_plan(plan, o);
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error().code, gguf::ErrorCode::invalid_argument);
    EXPECT_EQ(written.error().message, "tensor '" + plan.tensors.back().info.name +
                                           "' is planned as a conversion to Q8_0 and no transformer was given to run it");
    EXPECT_EQ(dir_.listing(), std::vector<std::string>{"in.gguf"});
}

// Converts each tensor into bytes of its planned size, then fails as work
// running beside the tensors (a device still opening) would, after the last.
class FailingAtFinish : public gguf::TensorTransformer {
public:
    explicit FailingAtFinish(uint64_t bytes) : bytes_(bytes) {}
    gguf::Status transform(const gguf::TransformSource&, const gguf::ByteSink& sink) override {
        ++transformed;
        return sink(std::vector<uint8_t>(bytes_, 0x5a));
    }
    gguf::Status finish() override { return fail_to_fill({}); }
    int transformed = 0;

private:
    uint64_t bytes_;
};

TEST_F(WriterSafety, ATransformerFailingAfterTheLastTensorLeavesNoOutput) {
    gguf::Plan plan = gguf::plan_copy(*model_);
    gguf::TransformSource convert;
    convert.input = std::get<gguf::CopySource>(plan.tensors.back().source);
    convert.target = plan.tensors.back().info.type;
    plan.tensors.back().source = convert;
    for (auto split : {gguf::SplitLimits{}, gguf::SplitLimits{0, 2, false}}) {
        FailingAtFinish transformer(plan.tensors.back().info.n_bytes);
        gguf::WriteOptions o;
        o.output = dir_.file("out.gguf");
        o.split = split;
        o.transformer = &transformer;
        auto r = gguf::write_plan(plan, o);
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(transformer.transformed, 1);
        EXPECT_NE(r.error().to_string().find("simulated failure"), std::string::npos) << r.error().to_string();
        EXPECT_EQ(dir_.listing(), std::vector<std::string>{"in.gguf"});
    }
    expect_input_intact();
}

TEST_F(WriterSafety, ARepeatedKeyIsRefusedBeforeWriting) {
    // The header reader refuses a file with a key twice: the writer must not make one.
    gguf::Plan plan = gguf::plan_copy(*model_);
    const gguf::KeyValue first = plan.metadata.entries().front();
    plan.metadata.append(first.key, first.value);
    gguf::WriteOptions o;
    o.output = dir_.file("out.gguf");
    auto written = gguf::write_plan(plan, o);
    ASSERT_FALSE(written.has_value());
    EXPECT_EQ(written.error().code, gguf::ErrorCode::invalid_argument);
    EXPECT_EQ(written.error().message, "key '" + first.key + "' is planned twice");
    EXPECT_EQ(dir_.listing(), std::vector<std::string>{"in.gguf"});
}

}  // namespace
