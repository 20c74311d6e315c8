// The ordered key/value section of a GGUF file.
//
// Order matters: llama.cpp's tools and convert write keys in a known order,
// and gguf-mtp reproduces their files byte for byte, so keys keep their
// position unless a caller moves them.
//
// Thread safety: a plain value; const use from many threads is safe, a
// change needs the caller's own lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/format/value.h"

namespace gguf {

struct KeyValue {
    std::string key;
    Value value;
};

class Metadata {
public:
    const std::vector<KeyValue>& entries() const { return entries_; }
    size_t size() const { return entries_.size(); }

    const Value* find(std::string_view key) const;
    bool contains(std::string_view key) const { return find(key) != nullptr; }

    // Replaces the value in place when the key exists, appends it otherwise.
    void set(std::string_view key, Value value);
    // Appends a key; the caller guarantees it is not present yet.
    void append(std::string_view key, Value value);
    // Removes the key if present; returns whether it was.
    bool remove(std::string_view key);

    // Typed getters that return nullopt when absent or of another kind.
    std::optional<uint64_t> get_uint(std::string_view key) const;
    std::optional<std::string_view> get_string(std::string_view key) const;

    // `<general.architecture>.<suffix>`, e.g. arch_key("block_count").
    std::string arch_key(std::string_view suffix) const;

    friend bool operator==(const Metadata& a, const Metadata& b);

private:
    std::vector<KeyValue> entries_;
};

inline bool operator==(const KeyValue& a, const KeyValue& b) { return a.key == b.key && a.value == b.value; }
inline bool operator==(const Metadata& a, const Metadata& b) { return a.entries_ == b.entries_; }

namespace keys {
inline constexpr std::string_view kArchitecture = "general.architecture";
inline constexpr std::string_view kAlignment = "general.alignment";
inline constexpr std::string_view kFileType = "general.file_type";
inline constexpr std::string_view kSplitNo = "split.no";
inline constexpr std::string_view kSplitCount = "split.count";
inline constexpr std::string_view kSplitTensorsCount = "split.tensors.count";
}  // namespace keys

}  // namespace gguf
