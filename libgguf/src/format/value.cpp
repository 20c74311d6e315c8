#include "gguf/format/value.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "little_endian.h"

namespace gguf {

using detail::append_bytes;
using detail::append_gguf_string;
using detail::append_le;
using detail::load_le;

std::string_view value_type_name(ValueType type) {
    switch (type) {
        case ValueType::u8: return "u8";
        case ValueType::i8: return "i8";
        case ValueType::u16: return "u16";
        case ValueType::i16: return "i16";
        case ValueType::u32: return "u32";
        case ValueType::i32: return "i32";
        case ValueType::f32: return "f32";
        case ValueType::boolean: return "bool";
        case ValueType::string: return "string";
        case ValueType::array: return "array";
        case ValueType::u64: return "u64";
        case ValueType::i64: return "i64";
        case ValueType::f64: return "f64";
    }
    return "unknown";
}

uint32_t scalar_bytes(ValueType type) {
    switch (type) {
        case ValueType::u8: case ValueType::i8: case ValueType::boolean: return 1;
        case ValueType::u16: case ValueType::i16: return 2;
        case ValueType::u32: case ValueType::i32: case ValueType::f32: return 4;
        case ValueType::u64: case ValueType::i64: case ValueType::f64: return 8;
        case ValueType::string: case ValueType::array: return 0;
    }
    return 0;
}

namespace {

template <class T>
Value scalar(ValueType type, T v) {
    std::vector<uint8_t> body;
    append_le<T>(body, v);
    return Value::from_encoded(type, body);
}

// Length of the encoded body at the start of `body`; the body is known to be
// well-formed because only the parser and the factories create values.
size_t encoded_length(ValueType type, const uint8_t* body) {
    if (type == ValueType::string) return 8 + load_le<uint64_t>(body);
    if (type != ValueType::array) return scalar_bytes(type);
    const auto elem = ValueType(load_le<uint32_t>(body));
    const auto count = load_le<uint64_t>(body + 4);
    size_t pos = 12;
    if (elem != ValueType::string && elem != ValueType::array) return pos + count * scalar_bytes(elem);
    for (uint64_t i = 0; i < count; ++i) pos += encoded_length(elem, body + pos);
    return pos;
}

int64_t scalar_as_int(ValueType type, const uint8_t* p) {
    switch (type) {
        case ValueType::u8: return load_le<uint8_t>(p);
        case ValueType::i8: return load_le<int8_t>(p);
        case ValueType::u16: return load_le<uint16_t>(p);
        case ValueType::i16: return load_le<int16_t>(p);
        case ValueType::u32: return load_le<uint32_t>(p);
        case ValueType::i32: return load_le<int32_t>(p);
        case ValueType::u64: return static_cast<int64_t>(load_le<uint64_t>(p));
        case ValueType::i64: return load_le<int64_t>(p);
        default: return 0;
    }
}

bool is_integer(ValueType t) {
    return t == ValueType::u8 || t == ValueType::i8 || t == ValueType::u16 || t == ValueType::i16 ||
           t == ValueType::u32 || t == ValueType::i32 || t == ValueType::u64 || t == ValueType::i64;
}

}  // namespace

Value Value::u8(uint8_t v) { return scalar(ValueType::u8, v); }
Value Value::i8(int8_t v) { return scalar(ValueType::i8, v); }
Value Value::u16(uint16_t v) { return scalar(ValueType::u16, v); }
Value Value::i16(int16_t v) { return scalar(ValueType::i16, v); }
Value Value::u32(uint32_t v) { return scalar(ValueType::u32, v); }
Value Value::i32(int32_t v) { return scalar(ValueType::i32, v); }
Value Value::u64(uint64_t v) { return scalar(ValueType::u64, v); }
Value Value::i64(int64_t v) { return scalar(ValueType::i64, v); }
Value Value::f32(float v) { return scalar(ValueType::f32, v); }
Value Value::f64(double v) { return scalar(ValueType::f64, v); }
Value Value::boolean(bool v) { return scalar<uint8_t>(ValueType::boolean, v ? 1 : 0); }

Value Value::string(std::string_view v) {
    std::vector<uint8_t> body;
    append_gguf_string(body, v);
    return from_encoded(ValueType::string, body);
}

Value Value::string_array(std::span<const std::string> items) {
    std::vector<uint8_t> body;
    append_le<uint32_t>(body, static_cast<uint32_t>(ValueType::string));
    append_le<uint64_t>(body, items.size());
    for (const auto& s : items) append_gguf_string(body, s);
    return from_encoded(ValueType::array, body);
}

Value Value::int_array(ValueType element_type, std::span<const int64_t> items) {
    std::vector<uint8_t> body;
    append_le<uint32_t>(body, static_cast<uint32_t>(element_type));
    append_le<uint64_t>(body, items.size());
    const uint32_t width = scalar_bytes(element_type);
    for (int64_t v : items) {
        const auto* p = reinterpret_cast<const uint8_t*>(&v);  // little-endian: low bytes first
        body.insert(body.end(), p, p + width);
    }
    return from_encoded(ValueType::array, body);
}

Value Value::float_array(std::span<const float> items) {
    std::vector<uint8_t> body;
    append_le<uint32_t>(body, static_cast<uint32_t>(ValueType::f32));
    append_le<uint64_t>(body, items.size());
    for (float v : items) append_le<float>(body, v);
    return from_encoded(ValueType::array, body);
}

Value Value::bool_array(std::span<const bool> items) {
    std::vector<uint8_t> body;
    append_le<uint32_t>(body, static_cast<uint32_t>(ValueType::boolean));
    append_le<uint64_t>(body, items.size());
    for (bool v : items) body.push_back(v ? 1 : 0);
    return from_encoded(ValueType::array, body);
}

Value Value::array_of(ValueType element_type, std::span<const Value> items) {
    std::vector<uint8_t> body;
    append_le<uint32_t>(body, static_cast<uint32_t>(element_type));
    append_le<uint64_t>(body, items.size());
    for (const auto& v : items) append_bytes(body, v.encoded());
    return from_encoded(ValueType::array, body);
}

Value Value::from_encoded(ValueType type, std::span<const uint8_t> body) {
    auto storage = std::make_shared<const std::vector<uint8_t>>(body.begin(), body.end());
    const std::span<const uint8_t> bytes = *storage;
    return sharing(type, bytes, std::move(storage));
}

Value Value::sharing(ValueType type, std::span<const uint8_t> body, std::shared_ptr<const std::vector<uint8_t>> storage) {
    Value v;
    v.type_ = type;
    v.storage_ = std::move(storage);
    v.bytes_ = body;
    return v;
}

bool operator==(const Value& a, const Value& b) { return a.type_ == b.type_ && std::ranges::equal(a.bytes_, b.bytes_); }

ValueType Value::element_type() const { return ValueType(load_le<uint32_t>(bytes_.data())); }
uint64_t Value::array_size() const { return load_le<uint64_t>(bytes_.data() + 4); }

std::optional<uint64_t> Value::as_uint() const {
    if (!is_integer(type_)) return std::nullopt;
    if (type_ == ValueType::u64) return load_le<uint64_t>(bytes_.data());
    const int64_t v = scalar_as_int(type_, bytes_.data());
    if (v < 0) return std::nullopt;
    return static_cast<uint64_t>(v);
}

std::optional<int64_t> Value::as_int() const {
    if (!is_integer(type_)) return std::nullopt;
    if (type_ == ValueType::u64 && load_le<uint64_t>(bytes_.data()) > uint64_t(INT64_MAX)) return std::nullopt;
    return scalar_as_int(type_, bytes_.data());
}

std::optional<double> Value::as_float() const {
    if (type_ == ValueType::f32) return load_le<float>(bytes_.data());
    if (type_ == ValueType::f64) return load_le<double>(bytes_.data());
    return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
    if (type_ != ValueType::boolean) return std::nullopt;
    return bytes_[0] != 0;
}

std::optional<std::string_view> Value::as_string() const {
    if (type_ != ValueType::string) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(bytes_.data()) + 8, bytes_.size() - 8);
}

ArrayElements Value::elements(uint64_t max_count) const {
    return ArrayElements(*this, is_array() ? std::min(array_size(), max_count) : 0);
}

ArrayElements::iterator::iterator(const Value& array, uint64_t count) : array_(array), left_(count) {
    if (left_ > 0) decode();
}

void ArrayElements::iterator::decode() {
    const ValueType elem = array_.element_type();
    const size_t length = encoded_length(elem, array_.bytes_.data() + next_);
    current_ = Value::sharing(elem, array_.bytes_.subspan(next_, length), array_.storage_);
    next_ += length;
}

ArrayElements::iterator& ArrayElements::iterator::operator++() {
    if (--left_ > 0) decode();
    return *this;
}

Value Value::first_elements(uint64_t count) const {
    const ValueType elem = element_type();
    const uint64_t kept = std::min(array_size(), count);
    size_t end = 12;
    for (uint64_t i = 0; i < kept; ++i) end += encoded_length(elem, bytes_.data() + end);
    std::vector<uint8_t> body(bytes_.begin(), bytes_.begin() + end);
    std::memcpy(body.data() + 4, &kept, sizeof kept);  // the count, little-endian
    return from_encoded(ValueType::array, body);
}

std::optional<std::vector<int64_t>> Value::int_elements() const {
    if (!is_array() || !is_integer(element_type())) return std::nullopt;
    const ValueType elem = element_type();
    const uint32_t width = scalar_bytes(elem);
    std::vector<int64_t> out(array_size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = scalar_as_int(elem, bytes_.data() + 12 + i * width);
    return out;
}

std::optional<std::vector<std::string>> Value::string_elements() const {
    if (!is_array() || element_type() != ValueType::string) return std::nullopt;
    std::vector<std::string> out;
    out.reserve(array_size());
    for (const Value& e : elements()) out.emplace_back(*e.as_string());
    return out;
}

namespace {

std::string quoted(std::string_view s, bool full) {
    constexpr size_t kShown = 60;
    std::string out = "\"";
    const std::string_view shown = full || s.size() <= kShown ? s : s.substr(0, kShown);
    for (char c : shown) {
        if (c == '\n') out += "\\n";
        else if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (static_cast<unsigned char>(c) < 0x20) out += '?';
        else out += c;
    }
    out += '"';
    if (shown.size() < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
    return out;
}

std::string number_text(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

}  // namespace

std::string Value::to_display(bool full) const {
    if (auto s = as_string()) return quoted(*s, full);
    if (auto b = as_bool()) return *b ? "true" : "false";
    if (auto f = as_float()) return number_text(*f);
    if (type_ == ValueType::u64) return std::to_string(load_le<uint64_t>(bytes_.data()));
    if (auto i = as_int()) return std::to_string(*i);
    if (!is_array()) return "?";
    constexpr size_t kShownElements = 8;
    std::string out = "[" + std::string(value_type_name(element_type())) + " x " + std::to_string(array_size()) + ":";
    const auto items = elements(full ? UINT64_MAX : kShownElements);
    const char* separator = " ";
    for (const Value& e : items) {
        out += separator + e.to_display(full);
        separator = ", ";
    }
    if (items.size() < array_size()) out += ", ...";
    return out + "]";
}

}  // namespace gguf
