// XXH3-128 of bytes fed in pieces, written as 32 lower-case hex digits in
// xxhsum's canonical order (what `xxh128sum` prints): the one digest gguf-mtp
// records, for whole files (manifests) and for tensors (provenance).
//
// Thread safety: one ContentHash per thread; distinct ones are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace gguf {

class ContentHash {
public:
    ContentHash();
    ~ContentHash();
    ContentHash(ContentHash&&) noexcept;
    ContentHash& operator=(ContentHash&&) noexcept;

    void update(std::span<const uint8_t> bytes);
    // The digest of everything fed so far (feeding may go on after).
    std::string hex() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// The digest of one span.
std::string content_hash(std::span<const uint8_t> bytes);

}  // namespace gguf
