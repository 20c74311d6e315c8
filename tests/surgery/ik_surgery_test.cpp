// ik_llama.cpp's files through surgery: output_extra.weight (ik's
// --extra-output-tensor, the MTP head's own output) goes with the head, a
// head of ik types merged into a llama.cpp trunk gives a file only ik loads,
// and a merge whose types no runtime reads together is refused before
// anything is written. The byte-exact layouts of the *-ik fixtures are
// ConvertLayouts' (mtp_surgery_test.cpp).
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/format/dialect.h"
#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"
#include "gguf/plan/writer.h"
#include "gguf_fixtures.h"
#include "test_support.h"

using gguf_test::TempDir;
using gguf_test::open_or_die;

namespace {

std::vector<std::string> names(const gguf::Plan& plan) {
    std::vector<std::string> out;
    for (const auto& t : plan.tensors) out.push_back(t.info.name);
    return out;
}

std::vector<gguf::TensorInfo> infos(const gguf::Plan& plan) {
    std::vector<gguf::TensorInfo> out;
    for (const auto& t : plan.tensors) out.push_back(t.info);
    return out;
}

size_t index_of(const std::vector<std::string>& list, const std::string& name) {
    return static_cast<size_t>(std::ranges::find(list, name) - list.begin());
}

TEST(IkSurgery, TheMtpSummaryCountsOutputExtraWithTheHead) {
    // What strip removes is what the summary counts: the bundled file less
    // its trunk, and the head file less the tensors it shares with a trunk.
    const gguf::Model bundled = open_or_die(fixtures::path("qwen35moe-ik-bundled.gguf"));
    const gguf::Model trunk = open_or_die(fixtures::path("qwen35moe-ik-trunk.gguf"));
    const gguf::Model head = open_or_die(fixtures::path("qwen35moe-ik-mtp.gguf"));
    auto in_bundled = gguf::summarize_mtp(bundled);
    auto in_head = gguf::summarize_mtp(head);
    ASSERT_TRUE(in_bundled && in_head);
    EXPECT_EQ(in_bundled->tensors, bundled.tensors().size() - trunk.tensors().size());
    EXPECT_EQ(in_bundled->bytes, bundled.total_tensor_bytes() - trunk.total_tensor_bytes());
    uint64_t shared_bytes = 0;
    size_t shared = 0;
    for (auto name : gguf::kHeadSharedTensors) {
        if (auto ref = head.find(name)) {
            ++shared;
            shared_bytes += head.info(*ref).n_bytes;
        }
    }
    EXPECT_EQ(in_head->tensors, head.tensors().size() - shared);
    EXPECT_EQ(in_head->bytes, head.total_tensor_bytes() - shared_bytes);
    EXPECT_EQ(in_head->tensors, in_bundled->tensors);
    ASSERT_TRUE(head.find("output_extra.weight").has_value());
}

TEST(IkSurgery, OutputExtraGoesWithTheHeadAndComesBackAfterTheOutput) {
    const gguf::Model bundled = open_or_die(fixtures::path("qwen35moe-ik-bundled.gguf"));
    EXPECT_EQ(bundled.shard(0).header().dialect, gguf::Dialect::ik_llama);
    auto strip = gguf::plan_strip(bundled);
    auto extract = gguf::plan_extract(bundled);
    ASSERT_TRUE(strip && extract);
    const auto head = names(*extract);
    EXPECT_EQ(index_of(names(*strip), "output_extra.weight"), strip->tensors.size());
    ASSERT_LT(index_of(head, "output_extra.weight"), head.size());
    EXPECT_EQ(index_of(head, "output_extra.weight"), index_of(head, "output.weight") + 1);
    // convert's size label never counts ik's copy of the output.
    EXPECT_EQ(extract->metadata.get_string("general.size_label"), "4x87K");
}

TEST(IkSurgery, IkHeadOnALlamaCppTrunkLoadsOnlyInIk) {
    TempDir dir;
    const gguf::Model trunk = open_or_die(fixtures::path("qwen35moe-trunk-q.gguf"));
    const gguf::Model head = open_or_die(fixtures::path("qwen35moe-ik-mtp.gguf"));
    auto plan = gguf::plan_merge(trunk, head);
    ASSERT_TRUE(plan.has_value()) << plan.error().to_string();
    EXPECT_EQ(gguf::file_runtimes(infos(*plan), "m.gguf"), gguf::TypeRuntimes::ik_only);
    const auto merged = names(*plan);
    EXPECT_EQ(index_of(merged, "output_extra.weight"), index_of(merged, "output.weight") + 1);
    gguf_test::write_plan_or_fail(*plan, dir.file("merged.gguf"));
    const gguf::Model out = open_or_die(dir.file("merged.gguf"));
    EXPECT_EQ(out.shard(0).header().dialect, gguf::Dialect::ik_llama);
}

TEST(IkSurgery, AResultNoRuntimeLoadsIsRefusedNamingTensors) {
    TempDir dir;
    const gguf::Model model = open_or_die(fixtures::path("glm4moe-ik-bundled.gguf"));
    gguf::Plan plan = gguf::plan_copy(model);
    // A mainline-only TQ1_0 tensor beside ik's own types, as merging an ik
    // head into a TQ1_0 trunk would give.
    auto wide = std::ranges::find_if(plan.tensors, [](const gguf::PlannedTensor& t) {
        return t.info.ne[0] % 256 == 0 && t.info.n_dims == 2 && !gguf::sole_dialect(t.info.type);
    });
    ASSERT_NE(wide, plan.tensors.end());
    wide->info.type = gguf::TensorType::TQ1_0;
    wide->info.n_bytes = *gguf::tensor_bytes(wide->info.type, wide->info.ne);
    wide->source = gguf::FillSource([](std::span<uint8_t> out) -> gguf::Status {
        std::ranges::fill(out, 0);
        return {};
    });
    gguf::WriteOptions options;
    options.output = dir.file("mixed.gguf");
    auto written = gguf::write_plan(plan, options);
    ASSERT_FALSE(written.has_value());
    EXPECT_NE(written.error().message.find("'" + wide->info.name + "' is TQ1_0"), std::string::npos) << written.error().message;
    EXPECT_NE(written.error().message.find("(ik_llama.cpp id"), std::string::npos) << written.error().message;
    EXPECT_FALSE(std::filesystem::exists(options.output));
}

}  // namespace
