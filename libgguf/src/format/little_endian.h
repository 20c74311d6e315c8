// Little-endian encoding helpers shared by the GGUF parser and serializer.
// GGUF stores every number little-endian; gguf-mtp runs on little-endian
// hosts only (checked at build time), so these are plain copies.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

static_assert(std::endian::native == std::endian::little, "gguf-mtp supports little-endian hosts only");

namespace gguf::detail {

template <class T>
void append_le(std::vector<uint8_t>& out, T value) {
    const auto* p = reinterpret_cast<const uint8_t*>(&value);
    out.insert(out.end(), p, p + sizeof(T));
}

inline void append_bytes(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

inline void append_gguf_string(std::vector<uint8_t>& out, std::string_view s) {
    append_le<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

template <class T>
T load_le(const uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

}  // namespace gguf::detail
