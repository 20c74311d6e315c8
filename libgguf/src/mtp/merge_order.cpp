#include "merge_order.h"

#include <algorithm>

#include "gguf/mtp.h"

namespace gguf::detail {

bool weight_name_less(const std::string& a, const std::string& b) {
    const int64_t la = block_number(a), lb = block_number(b);
    if (la != lb) return la < lb;
    return a < b;
}

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
        const std::string block_text = std::to_string(block);
        size_t at = std::max(lower, std::min(upper, out.size()));
        for (size_t k = lower; k < upper && k < out.size(); ++k) {
            const int64_t other = block_number(out[k]);
            if (other >= 0 && std::to_string(other) > block_text) {
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
