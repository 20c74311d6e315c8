// Where merge puts the head's MTP blocks among the trunk's tensors.
#include <gtest/gtest.h>

#include "mtp/merge_order.h"

using gguf::detail::merged_tensor_order;

namespace {

std::vector<std::string> blocks(std::initializer_list<int> numbers) {
    std::vector<std::string> out = {"output.weight", "token_embd.weight"};
    for (int b : numbers) {
        out.push_back("blk." + std::to_string(b) + ".attn_norm.weight");
        out.push_back("blk." + std::to_string(b) + ".ffn_up.weight");
    }
    out.push_back("output_norm.weight");
    return out;
}

const std::vector<std::string> kHead = {"output.weight", "token_embd.weight", "blk.12.attn_norm.weight",
                                        "blk.12.nextn.eh_proj.weight", "output_norm.weight"};
const std::vector<bool> kHeadIsMtp = {false, false, true, true, false};

TEST(MergeOrder, ConvertsTextualOrderPlacesTheBlockAmongTheTextuallySortedBlocks) {
    // HF names sorted as text: 0, 1, 10, 11, 2, ..., 9; block 12 sorts before 2.
    const auto trunk = blocks({0, 1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9});
    const auto merged = merged_tensor_order(trunk, kHead, kHeadIsMtp);
    auto expected = blocks({0, 1, 10, 11, 12, 2, 3, 4, 5, 6, 7, 8, 9});
    expected[11] = "blk.12.nextn.eh_proj.weight";  // the head's own tensors, in its order
    EXPECT_EQ(merged, expected);
}

TEST(MergeOrder, NumericOrderPutsTheBlockAfterEveryTrunkBlock) {
    const auto trunk = blocks({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    const auto merged = merged_tensor_order(trunk, kHead, kHeadIsMtp);
    ASSERT_EQ(merged.size(), trunk.size() + 2);
    EXPECT_EQ(merged[merged.size() - 3], "blk.12.attn_norm.weight");
    EXPECT_EQ(merged[merged.size() - 2], "blk.12.nextn.eh_proj.weight");
    EXPECT_EQ(merged.back(), "output_norm.weight");
}

TEST(MergeOrder, QuantizeSortedTrunkStaysSorted) {
    std::vector<std::string> trunk = {"output.weight", "output_norm.weight", "token_embd.weight"};
    for (int b : {0, 1, 2, 10}) {
        trunk.push_back("blk." + std::to_string(b) + ".attn_norm.weight");
    }
    const auto merged = merged_tensor_order(trunk, kHead, kHeadIsMtp);
    EXPECT_EQ(merged[merged.size() - 2], "blk.12.attn_norm.weight");
    EXPECT_EQ(merged.back(), "blk.12.nextn.eh_proj.weight");
}

}  // namespace
