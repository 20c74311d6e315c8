// --prune-layers as llama-quantize applies it: tensors of the pruned blocks
// are dropped and the remaining blocks renumbered, walking the tensors in
// block order. A block before the first pruned one keeps its number; every
// later kept block takes the next free number (counting from 0, so a file
// holding only late blocks is renumbered from 0 too).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace gguf {

class LayerPruning {
public:
    explicit LayerPruning(std::vector<uint32_t> pruned);

    bool active() const { return !pruned_.empty(); }

    // The tensor's name after renumbering, or nullopt when its block is
    // pruned. Call in llama-quantize's tensor order.
    std::optional<std::string> rename(const std::string& name);

    // block_count of the output: one past the last number handed out.
    uint32_t block_count() const { return next_; }

private:
    std::vector<uint32_t> pruned_;  // sorted, unique
    std::map<uint64_t, std::optional<uint64_t>> renumbered_;
    uint32_t next_ = 0;
    std::regex block_{R"(blk\.(\d+)\.)"};
};

}  // namespace gguf
