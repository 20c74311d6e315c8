#include "gguf/quality/row_sample.h"

namespace gguf {

std::vector<uint64_t> sampled_rows(uint64_t rows, uint64_t wanted) {
    if (wanted == 0 || wanted > rows) wanted = rows;
    std::vector<uint64_t> out;
    out.reserve(wanted);
    // The middle of stretch i is (2i + 1) * rows / (2 * wanted); in 128 bits
    // so a tensor of any row count cannot overflow.
    for (uint64_t i = 0; i < wanted; ++i) {
        const unsigned __int128 twice = static_cast<unsigned __int128>(2 * i + 1) * rows;
        out.push_back(static_cast<uint64_t>(twice / (2 * static_cast<unsigned __int128>(wanted))));
    }
    return out;
}

}  // namespace gguf
