// Where the head's MTP tensors go among the trunk's tensors, so that a
// merged file has the order of the bundled file it came from.
#pragma once

#include <string>
#include <vector>

namespace gguf::detail {

// llama-quantize writes tensors sorted by llama.cpp's weight_name_comparer:
// block number first (non-block tensors before blk.0), then name.
bool weight_name_less(const std::string& a, const std::string& b);

// Merged order of `trunk` and the head's tensors, given in head order
// (`head`: MTP tensors and the tensors the head shares with the trunk).
//  - A trunk sorted as llama-quantize sorts stays sorted.
//  - Otherwise each MTP block goes between the shared tensors that surround
//    it in the head, before the first trunk block that sorts after it, in
//    the trunk's own block order: as text when the trunk has convert's order
//    (HF names sorted as strings: "blk.46" before "blk.5"), else by number.
std::vector<std::string> merged_tensor_order(const std::vector<std::string>& trunk, const std::vector<std::string>& head,
                                             const std::vector<bool>& head_is_mtp);

}  // namespace gguf::detail
