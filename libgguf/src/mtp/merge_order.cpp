#include "merge_order.h"

#include <algorithm>

#include "gguf/mtp/mtp.h"

namespace gguf::detail {

bool weight_name_less(const std::string& a, const std::string& b) {
    const int64_t la = block_number(a), lb = block_number(b);
    if (la != lb) return la < lb;
    return a < b;
}

namespace {

enum class BlockOrder { numeric, textual };

// How the trunk orders its blocks: by number (blk.2 before blk.10), or as
// text, as convert's sort of HF names does (blk.10 before blk.2). A trunk
// that shows neither is treated as numeric: MTP blocks, which have the
// highest numbers, then follow every trunk block.
BlockOrder block_order(const std::vector<std::string>& trunk) {
    std::vector<int64_t> seen;
    for (const auto& name : trunk) {
        const int64_t b = block_number(name);
        if (b >= 0 && (seen.empty() || seen.back() != b)) seen.push_back(b);
    }
    const bool textual = std::is_sorted(seen.begin(), seen.end(), [](int64_t a, int64_t b) { return std::to_string(a) < std::to_string(b); });
    const bool numeric = std::is_sorted(seen.begin(), seen.end());
    return textual && !numeric ? BlockOrder::textual : BlockOrder::numeric;
}

}  // namespace

std::vector<std::string> merged_tensor_order(const std::vector<std::string>& trunk, const std::vector<std::string>& head,
                                             const std::vector<bool>& head_is_mtp) {
    std::vector<std::string> out = trunk;
    const bool quantize_sorted = std::is_sorted(trunk.begin(), trunk.end(), weight_name_less);
    if (quantize_sorted) {
        for (size_t i = 0; i < head.size(); ++i) {
            if (head_is_mtp[i]) out.push_back(head[i]);
        }
        std::stable_sort(out.begin(), out.end(), weight_name_less);
        return out;
    }
    const BlockOrder order = block_order(trunk);
    auto sorts_after = [order](int64_t a, int64_t b) {
        return order == BlockOrder::textual ? std::to_string(a) > std::to_string(b) : a > b;
    };
    auto position = [&](const std::string& name) -> size_t {
        return static_cast<size_t>(std::find(out.begin(), out.end(), name) - out.begin());
    };
    size_t i = 0;
    while (i < head.size()) {
        if (!head_is_mtp[i]) {
            ++i;
            continue;
        }
        // One MTP block: the run of head tensors with its block number.
        const int64_t block = block_number(head[i]);
        size_t end = i;
        while (end < head.size() && head_is_mtp[end] && block_number(head[end]) == block) ++end;
        // The shared tensors around the run bound where it may go.
        size_t lower = 0, upper = out.size();
        for (size_t k = i; k-- > 0;) {
            if (!head_is_mtp[k] && position(head[k]) < out.size()) {
                lower = position(head[k]) + 1;
                break;
            }
        }
        for (size_t k = end; k < head.size(); ++k) {
            if (!head_is_mtp[k] && position(head[k]) < out.size()) {
                upper = position(head[k]);
                break;
            }
        }
        size_t at = std::max(lower, std::min(upper, out.size()));
        for (size_t k = lower; k < upper && k < out.size(); ++k) {
            const int64_t other = block_number(out[k]);
            if (other >= 0 && sorts_after(other, block)) {
                at = k;
                break;
            }
        }
        out.insert(out.begin() + static_cast<long>(at), head.begin() + static_cast<long>(i), head.begin() + static_cast<long>(end));
        i = end;
    }
    return out;
}

}  // namespace gguf::detail
