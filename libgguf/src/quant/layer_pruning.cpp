#include "layer_pruning.h"

#include <algorithm>
#include <charconv>

namespace gguf {

LayerPruning::LayerPruning(std::vector<uint32_t> pruned) : pruned_(std::move(pruned)) {
    std::sort(pruned_.begin(), pruned_.end());
    pruned_.erase(std::unique(pruned_.begin(), pruned_.end()), pruned_.end());
}

std::optional<std::string> LayerPruning::rename(const std::string& name) {
    std::smatch m;
    if (!active() || !std::regex_search(name, m, block_)) return name;
    uint64_t block = 0;
    const std::string digits = m[1].str();
    if (std::from_chars(digits.data(), digits.data() + digits.size(), block).ec != std::errc()) return name;
    auto it = renumbered_.find(block);
    if (it == renumbered_.end()) {
        std::optional<uint64_t> number;
        if (std::binary_search(pruned_.begin(), pruned_.end(), block)) {
            number = std::nullopt;
        } else if (block < pruned_.front()) {
            number = block;
            next_ = static_cast<uint32_t>(block + 1);
        } else {
            number = next_++;
        }
        it = renumbered_.emplace(block, number).first;
    }
    if (!it->second) return std::nullopt;
    std::string out = name;
    out.replace(static_cast<size_t>(m.position(1)), static_cast<size_t>(m.length(1)), std::to_string(*it->second));
    return out;
}

}  // namespace gguf
