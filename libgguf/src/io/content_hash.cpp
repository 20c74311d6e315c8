#include "gguf/io/content_hash.h"

#include <xxhash.h>

namespace gguf {

struct ContentHash::State {
    XXH3_state_t* xxh = XXH3_createState();
    ~State() { XXH3_freeState(xxh); }
};

ContentHash::ContentHash() : state_(std::make_unique<State>()) { XXH3_128bits_reset(state_->xxh); }
ContentHash::~ContentHash() = default;
ContentHash::ContentHash(ContentHash&&) noexcept = default;
ContentHash& ContentHash::operator=(ContentHash&&) noexcept = default;

void ContentHash::update(std::span<const uint8_t> bytes) { XXH3_128bits_update(state_->xxh, bytes.data(), bytes.size()); }

std::string ContentHash::hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_->xxh));
    std::string out;
    for (unsigned char byte : canonical.digest) {
        out += kDigits[byte >> 4];
        out += kDigits[byte & 15];
    }
    return out;
}

std::string content_hash(std::span<const uint8_t> bytes) {
    ContentHash hash;
    hash.update(bytes);
    return hash.hex();
}

}  // namespace gguf
