#include "gguf/format/metadata.h"

#include <algorithm>

namespace gguf {

const Value* Metadata::find(std::string_view key) const {
    for (const auto& kv : entries_) {
        if (kv.key == key) return &kv.value;
    }
    return nullptr;
}

void Metadata::set(std::string_view key, Value value) {
    for (auto& kv : entries_) {
        if (kv.key == key) {
            kv.value = std::move(value);
            return;
        }
    }
    append(key, std::move(value));
}

void Metadata::append(std::string_view key, Value value) { entries_.push_back({std::string(key), std::move(value)}); }

bool Metadata::remove(std::string_view key) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const KeyValue& kv) { return kv.key == key; });
    if (it == entries_.end()) return false;
    entries_.erase(it);
    return true;
}

std::optional<uint64_t> Metadata::get_uint(std::string_view key) const {
    const Value* v = find(key);
    return v ? v->as_uint() : std::nullopt;
}

std::optional<std::string_view> Metadata::get_string(std::string_view key) const {
    const Value* v = find(key);
    return v ? v->as_string() : std::nullopt;
}

std::string Metadata::arch_key(std::string_view suffix) const {
    return std::string(get_string(keys::kArchitecture).value_or("")) + "." + std::string(suffix);
}

}  // namespace gguf
