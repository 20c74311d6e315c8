// read_imatrix over one file, in either format, then the weights
// llama-quantize would derive from every entry.
#include "fuzz_targets.h"
#include "gguf/imatrix/imatrix.h"
#include "scratch_files.h"

namespace gguf_fuzz {

bool imatrix(std::span<const uint8_t> data) {
    ScratchDir dir;
    auto m = gguf::read_imatrix(dir.write("fuzz.imatrix", data));
    if (!m) return false;
    for (const auto& [name, entry] : m->entries) {
        const auto weights = m->weights(name);
        require(weights.size() == entry.sums.size(), "an entry gives one weight per sum");
    }
    return true;
}

}  // namespace gguf_fuzz
