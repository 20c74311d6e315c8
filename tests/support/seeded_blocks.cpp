#include "seeded_blocks.h"


namespace gguf_test {
namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

template <class Bits>
void rewrite(std::span<uint8_t> bytes, size_t offset, Bits keep, Bits set) {
    Bits bits = 0;
    for (size_t i = 0; i < sizeof(Bits); ++i) bits |= static_cast<Bits>(bytes[offset + i]) << (8 * i);
    bits = static_cast<Bits>((bits & keep) | set);
    for (size_t i = 0; i < sizeof(Bits); ++i) bytes[offset + i] = static_cast<uint8_t>(bits >> (8 * i));
}

}  // namespace

std::vector<uint8_t> seeded_bytes(uint64_t seed, size_t count) {
    std::vector<uint8_t> bytes(count);
    uint64_t state = seed;
    for (size_t at = 0; at < count; at += 8) {
        const uint64_t word = splitmix64(state);
        for (size_t i = 0; i < 8 && at + i < count; ++i) bytes[at + i] = static_cast<uint8_t>(word >> (8 * i));
    }
    return bytes;
}

void tame_f16(std::span<uint8_t> bytes, size_t offset) { rewrite<uint16_t>(bytes, offset, 0x83FF, 0x3000); }

void tame_f32(std::span<uint8_t> bytes, size_t offset) { rewrite<uint32_t>(bytes, offset, 0x807FFFFFu, 0x3E000000u); }

}  // namespace gguf_test
