#include "broken_catalogue.h"

#include <algorithm>
#include <cstring>
#include <gtest/gtest.h>

#include "format/little_endian.h"

using gguf::ErrorCode;
using gguf::TensorType;
using gguf::Value;
using gguf::ValueType;

namespace gguf_test {

RawFile::RawFile() {
    metadata.append("general.architecture", Value::string("test"));
    metadata.append("test.count", Value::u32(5));
    metadata.append("test.names", Value::string_array(std::vector<std::string>{"a", "bb"}));
    add("tensor_aa", TensorType::F32, {8, 2, 1, 1}, 2);
    add("tensor_ab", TensorType::Q8_0, {32, 1, 1, 1}, 1);
    add("tensor_ac", TensorType::F16, {4, 1, 1, 1}, 1);
    gguf::detail::assign_offsets(tensors, alignment);
}

void RawFile::add(const std::string& name, TensorType type, std::array<uint64_t, 4> ne, uint32_t n_dims) {
    gguf::TensorInfo t;
    t.name = name;
    t.type = type;
    t.ne = ne;
    t.n_dims = n_dims;
    t.n_bytes = *gguf::tensor_bytes(type, ne);
    tensors.push_back(t);
}

std::vector<uint8_t> RawFile::bytes() const {
    auto out = gguf::detail::serialize_header(version, metadata, tensors, alignment);
    uint64_t data_end = 0;
    for (const auto& t : tensors) data_end = std::max(data_end, t.offset + t.n_bytes);
    out.resize(out.size() + gguf::detail::align_up(data_end, alignment), 0x11);
    return out;
}

namespace {

size_t find(const std::vector<uint8_t>& bytes, const std::string& needle) {
    auto it = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
    EXPECT_NE(it, bytes.end()) << needle;
    return static_cast<size_t>(it - bytes.begin());
}

template <class T>
void store(std::vector<uint8_t>& bytes, size_t at, T value) {
    std::memcpy(bytes.data() + at, &value, sizeof(T));
}

}  // namespace

std::vector<Case> catalogue() {
    std::vector<Case> cases;
    auto mutate = [](std::function<void(std::vector<uint8_t>&)> f) {
        return [f] {
            auto b = RawFile().bytes();
            f(b);
            return b;
        };
    };
    auto raw = [](std::function<void(RawFile&)> f) {
        return [f] {
            RawFile r;
            f(r);
            return r.bytes();
        };
    };
    cases.push_back({"bad_magic", mutate([](auto& b) { b[0] = 'X'; }), ErrorCode::bad_format, "expected magic"});
    cases.push_back({"version_0", raw([](RawFile& r) { r.version = 0; }), ErrorCode::unsupported, "version 0"});
    cases.push_back({"version_1", raw([](RawFile& r) { r.version = 1; }), ErrorCode::unsupported, "v1"});
    cases.push_back({"version_future", raw([](RawFile& r) { r.version = 4; }), ErrorCode::unsupported, "version 4"});
    cases.push_back({"big_endian", raw([](RawFile& r) { r.version = 0x03000000; }), ErrorCode::unsupported, "big-endian"});
    cases.push_back({"huge_kv_count", mutate([](auto& b) { store<uint64_t>(b, 16, 1ull << 60); }), ErrorCode::bad_format, "key/value pairs"});
    cases.push_back({"huge_tensor_count", mutate([](auto& b) { store<uint64_t>(b, 8, 1ull << 60); }), ErrorCode::bad_format, "tensors, more than"});
    cases.push_back({"huge_key_length", mutate([](auto& b) { store<uint64_t>(b, 24, 1ull << 40); }), ErrorCode::bad_format, "declares 1099511627776 bytes"});
    cases.push_back({"unknown_value_type", mutate([](auto& b) { store<uint32_t>(b, find(b, "test.count") + 10, 99); }),
                     ErrorCode::bad_format, "unknown value type 99"});
    cases.push_back({"huge_array_count", mutate([](auto& b) { store<uint64_t>(b, find(b, "test.names") + 10 + 4 + 4, 1ull << 50); }),
                     ErrorCode::bad_format, "elements"});
    cases.push_back({"huge_array_string_length", mutate([](auto& b) { store<uint64_t>(b, find(b, "test.names") + 10 + 4 + 4 + 8 + 9, 1ull << 40); }),
                     ErrorCode::bad_format, "value of key 'test.names'[1] declares 1099511627776 bytes"});
    cases.push_back({"unknown_element_type", mutate([](auto& b) { store<uint32_t>(b, find(b, "test.names") + 10 + 4, 13); }),
                     ErrorCode::bad_format, "unknown element type 13"});
    cases.push_back({"duplicate_key", mutate([](auto& b) { std::memcpy(b.data() + find(b, "test.count"), "test.names", 10); }),
                     ErrorCode::bad_format, "duplicate key 'test.names'"});
    cases.push_back({"empty_key", raw([](RawFile& r) { r.metadata.append("", Value::u8(1)); }), ErrorCode::bad_format, "is empty"});
    cases.push_back({"nested_too_deep", raw([](RawFile& r) {
                         Value v = Value::u8(0);
                         v = Value::array_of(ValueType::u8, std::vector<Value>{v});
                         for (int i = 0; i < 9; ++i) v = Value::array_of(ValueType::array, std::vector<Value>{v});
                         r.metadata.append("test.deep", v);
                     }),
                     ErrorCode::bad_format, "nests arrays deeper"});
    cases.push_back({"alignment_not_u32", raw([](RawFile& r) { r.metadata.append("general.alignment", Value::u64(32)); }),
                     ErrorCode::bad_format, "must be u32"});
    cases.push_back({"alignment_not_power_of_two", raw([](RawFile& r) { r.metadata.append("general.alignment", Value::u32(48)); r.alignment = 48; gguf::detail::assign_offsets(r.tensors, 48); }),
                     ErrorCode::bad_format, "not a power of two"});
    cases.push_back({"duplicate_tensor", mutate([](auto& b) { b[find(b, "tensor_ab") + 8] = 'a'; }), ErrorCode::bad_format,
                     "duplicate tensor name 'tensor_aa'"});
    cases.push_back({"empty_tensor_name", raw([](RawFile& r) { r.tensors[1].name = ""; }), ErrorCode::bad_format, "empty name"});
    cases.push_back({"tensor_name_too_long", raw([](RawFile& r) { r.tensors[1].name = std::string(64, 'x'); }), ErrorCode::bad_format,
                     "at most 63"});
    cases.push_back({"too_many_dims", mutate([](auto& b) { store<uint32_t>(b, find(b, "tensor_ab") + 9, 5); }), ErrorCode::bad_format,
                     "5 dimensions"});
    cases.push_back({"negative_dim", mutate([](auto& b) { store<int64_t>(b, find(b, "tensor_ab") + 9 + 4, -32); }), ErrorCode::bad_format,
                     "negative"});
    cases.push_back({"unknown_tensor_type", mutate([](auto& b) { store<uint32_t>(b, find(b, "tensor_ab") + 9 + 4 + 8, 43); }),
                     ErrorCode::bad_format, "unknown tensor type 43"});
    cases.push_back({"removed_tensor_type", mutate([](auto& b) { store<uint32_t>(b, find(b, "tensor_ab") + 9 + 4 + 8, 4); }),
                     ErrorCode::unsupported, "removed tensor type"});
    cases.push_back({"row_not_whole_blocks", mutate([](auto& b) { store<int64_t>(b, find(b, "tensor_ab") + 9 + 4, 33); }),
                     ErrorCode::bad_format, "not a multiple of the Q8_0 block size"});
    cases.push_back({"size_overflow", raw([](RawFile& r) { r.tensors[0].ne = {1ull << 40, 1ull << 40, 1, 1}; }), ErrorCode::bad_format,
                     "overflows"});
    // Found by fuzzing: 4 * (2^62 + 4) bytes wrapped to 16 in the row size.
    cases.push_back({"row_size_overflow", raw([](RawFile& r) { r.tensors[0].ne = {(1ull << 62) + 4, 2, 1, 1}; }),
                     ErrorCode::bad_format, "overflows"});
    cases.push_back({"misaligned_offset", raw([](RawFile& r) { r.tensors[1].offset += 4; }), ErrorCode::bad_format,
                     "not a multiple of the alignment"});
    cases.push_back({"overlapping_data", raw([](RawFile& r) { r.tensors[2].offset = r.tensors[1].offset; }), ErrorCode::bad_format,
                     "overlaps"});
    cases.push_back({"data_past_end", mutate([](auto& b) { store<uint64_t>(b, find(b, "tensor_ac") + 9 + 4 + 8 + 4, 1ull << 30); }),
                     ErrorCode::truncated, "extends past the end"});
    return cases;
}

}  // namespace gguf_test
