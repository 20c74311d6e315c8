// A GGUF metadata value.
//
// A Value keeps the exact bytes that follow the value's type tag in a GGUF
// file (little-endian scalars; a u64 length and the characters of a string;
// the element type, a u64 count and the elements of an array). Writing a
// value back therefore reproduces the input byte for byte, NaN payloads and
// all, and large tokenizer arrays are copied, not decoded, unless a caller
// asks for their elements, which are then decoded one at a time.
//
// The bytes are immutable and shared: a copy of a Value and the elements of
// an array refer to the same buffer, so copying metadata (every plan starts
// from a copy of its input's) costs no bytes whatever its tokenizer's size.
// An element kept alive keeps its whole array alive.
//
// Thread safety: a plain value over immutable shared bytes; const use and
// copies from many threads are safe.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gguf {

enum class ValueType : uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
    string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

inline constexpr uint32_t kValueTypeCount = 13;

// "u32", "string", "array", ... (the names gguf-mtp prints and documents).
std::string_view value_type_name(ValueType type);

// Bytes of a fixed-size scalar, 0 for string and array.
uint32_t scalar_bytes(ValueType type);

class ArrayElements;

class Value {
public:
    Value() = default;

    static Value u8(uint8_t v);
    static Value i8(int8_t v);
    static Value u16(uint16_t v);
    static Value i16(int16_t v);
    static Value u32(uint32_t v);
    static Value i32(int32_t v);
    static Value u64(uint64_t v);
    static Value i64(int64_t v);
    static Value f32(float v);
    static Value f64(double v);
    static Value boolean(bool v);
    static Value string(std::string_view v);
    static Value string_array(std::span<const std::string> items);
    static Value int_array(ValueType element_type, std::span<const int64_t> items);
    static Value float_array(std::span<const float> items);
    static Value bool_array(std::span<const bool> items);
    static Value array_of(ValueType element_type, std::span<const Value> items);

    // Builds a value from its encoded body (as found after the type tag),
    // copied. The caller guarantees the body is well-formed for `type`; the
    // parser checks this before calling.
    static Value from_encoded(ValueType type, std::span<const uint8_t> body);

    ValueType type() const { return type_; }
    bool is_array() const { return type_ == ValueType::array; }
    ValueType element_type() const;   // arrays only
    uint64_t array_size() const;      // arrays only

    // Scalars. Integers convert between widths when the value fits; a float
    // is not an integer and an integer is not a float.
    std::optional<uint64_t> as_uint() const;
    std::optional<int64_t> as_int() const;
    std::optional<double> as_float() const;
    std::optional<bool> as_bool() const;
    std::optional<std::string_view> as_string() const;

    // An array's elements (nested arrays included), at most `max_count` of
    // them, each decoded as a loop reaches it; empty for a non-array.
    ArrayElements elements(uint64_t max_count = UINT64_MAX) const;
    // Arrays only: the array of this one's first `count` elements (all of
    // them when it has fewer), their bytes copied, not decoded.
    Value first_elements(uint64_t count) const;
    // Convenience for arrays of integers / strings; nullopt for other types.
    std::optional<std::vector<int64_t>> int_elements() const;
    std::optional<std::vector<std::string>> string_elements() const;

    // The encoded body: what follows the type tag in a file.
    std::span<const uint8_t> encoded() const { return bytes_; }

    // A short human rendering: scalars in full, strings quoted (long ones
    // cut), arrays as "[u32 x 48: 1, 2, 3, ...]" unless `full`.
    std::string to_display(bool full = false) const;

    friend bool operator==(const Value& a, const Value& b);

private:
    friend class ArrayElements;
    // A value over `body` as it lies in `storage`, which it shares.
    static Value sharing(ValueType type, std::span<const uint8_t> body, std::shared_ptr<const std::vector<uint8_t>> storage);

    ValueType type_ = ValueType::u8;
    std::shared_ptr<const std::vector<uint8_t>> storage_;  // holds bytes_
    std::span<const uint8_t> bytes_;
};

// The range Value::elements returns: an input range whose iterator decodes
// the next element (its length, then a Value sharing the array's bytes)
// only when advanced. Iterators hold the array's bytes themselves, so they
// stay valid after the range and the value are gone.
class ArrayElements {
public:
    class iterator {
    public:
        using value_type = Value;
        using difference_type = std::ptrdiff_t;

        iterator() = default;
        const Value& operator*() const { return current_; }
        const Value* operator->() const { return &current_; }
        iterator& operator++();
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.left_ == 0; }

    private:
        friend class ArrayElements;
        iterator(const Value& array, uint64_t count);
        void decode();

        Value array_;
        size_t next_ = 12;  // where in the array's body the element after current_ starts
        uint64_t left_ = 0;
        Value current_;
    };

    iterator begin() const { return iterator(array_, count_); }
    std::default_sentinel_t end() const { return {}; }
    uint64_t size() const { return count_; }

private:
    friend class Value;
    ArrayElements(Value array, uint64_t count) : array_(std::move(array)), count_(count) {}

    Value array_;  // a copy (shared bytes): a range over a temporary stays valid
    uint64_t count_;
};

}  // namespace gguf
