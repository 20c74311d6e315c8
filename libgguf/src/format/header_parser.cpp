// GGUF header parsing. Every length and count is checked against the bytes
// that remain before it is used, so the amount of memory a header can make
// the parser allocate is bounded by the header's own size.
#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_set>

#include "data_extents.h"
#include "gguf/format/dialect.h"
#include "gguf/format/gguf_file.h"
#include "little_endian.h"

namespace gguf {
namespace {

constexpr uint32_t kMaxArrayNesting = 8;

class Cursor {
public:
    Cursor(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& file)
        : bytes_(bytes), file_size_(file_size), file_(file) {}

    uint64_t pos() const { return pos_; }
    uint64_t remaining() const { return bytes_.size() - pos_; }

    // A failure to read `what`: truncated when the file (not just the bytes
    // we hold) ends first.
    std::unexpected<Error> short_read(const std::string& what) const {
        const bool file_ends = bytes_.size() >= file_size_;
        return fail(ErrorCode::truncated, file_,
                    (file_ends ? "file ends while reading " : "header continues past the bytes read, in ") + what,
                    pos_);
    }

    template <class T>
    Result<T> read(const std::string& what) {
        if (remaining() < sizeof(T)) return short_read(what);
        T v = detail::load_le<T>(bytes_.data() + pos_);
        pos_ += sizeof(T);
        return v;
    }

    Result<std::span<const uint8_t>> take(uint64_t n, const std::string& what) {
        if (remaining() < n) return short_read(what);
        auto s = bytes_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

    Result<std::string> read_string(const std::string& what) {
        const uint64_t at = pos_;
        auto len = read<uint64_t>(what + " length");
        if (!len) return std::unexpected(len.error());
        if (*len > remaining()) {
            if (bytes_.size() < file_size_) return short_read(what);
            return fail(ErrorCode::bad_format, file_,
                        what + " declares " + std::to_string(*len) + " bytes but only " + std::to_string(remaining()) +
                            " remain in the file",
                        at);
        }
        auto s = take(*len, what);
        return std::string(reinterpret_cast<const char*>(s->data()), s->size());
    }

    // The bytes from the cursor on, and a step over `n` of them (the caller
    // checked that they are there).
    const uint8_t* here() const { return bytes_.data() + pos_; }
    void skip(uint64_t n) { pos_ += n; }

    std::unexpected<Error> error(const std::string& message, uint64_t at) const {
        return fail(ErrorCode::bad_format, file_, message, at);
    }
    std::unexpected<Error> error(const std::string& message) const { return error(message, pos_); }
    bool holds_whole_file() const { return bytes_.size() >= file_size_; }
    std::span<const uint8_t> span(uint64_t from, uint64_t to) const { return bytes_.subspan(from, to - from); }

private:
    std::span<const uint8_t> bytes_;
    uint64_t file_size_;
    const std::string& file_;
    uint64_t pos_ = 0;
};

// What a value is called in an error: "value of key 'k'", an element of it
// "value of key 'k'[7]", of a nested array "...[7][2]". Put into words only
// when an error needs it: a tokenizer array has 150,000 elements and no error.
struct ValueLabel {
    const std::string* key_label = nullptr;  // the value itself
    const ValueLabel* array = nullptr;       // or element `index` of this array
    uint64_t index = 0;

    std::string text() const { return array ? array->text() + "[" + std::to_string(index) + "]" : *key_label; }
};

// Steps over a string's length and bytes, checking them; nothing is copied.
Status skip_string(Cursor& in, const ValueLabel& what) {
    const uint64_t at = in.pos();
    if (in.remaining() < sizeof(uint64_t)) return in.short_read(what.text() + " length");
    const uint64_t length = detail::load_le<uint64_t>(in.here());
    in.skip(sizeof(uint64_t));
    if (length > in.remaining()) {
        if (!in.holds_whole_file()) return in.short_read(what.text());
        return in.error(what.text() + " declares " + std::to_string(length) + " bytes but only " +
                            std::to_string(in.remaining()) + " remain in the file",
                        at);
    }
    in.skip(length);
    return {};
}

// Steps over one encoded value body, checking its whole structure (every
// element of an array, nested ones too) against the bytes there are; the
// caller keeps the span it covered.
Status skip_value(Cursor& in, ValueType type, const ValueLabel& what, uint32_t depth) {
    if (type == ValueType::string) return skip_string(in, what);
    if (type != ValueType::array) {
        if (static_cast<uint32_t>(type) >= kValueTypeCount) return in.error(what.text() + " has unknown value type " + std::to_string(uint32_t(type)));
        if (in.remaining() < scalar_bytes(type)) return in.short_read(what.text());
        in.skip(scalar_bytes(type));
        return {};
    }
    if (depth >= kMaxArrayNesting) return in.error(what.text() + " nests arrays deeper than " + std::to_string(kMaxArrayNesting));
    const uint64_t at = in.pos();
    if (in.remaining() < sizeof(uint32_t)) return in.short_read(what.text() + " element type");
    const uint32_t elem_raw = detail::load_le<uint32_t>(in.here());
    in.skip(sizeof(uint32_t));
    if (elem_raw >= kValueTypeCount) return in.error(what.text() + " has unknown element type " + std::to_string(elem_raw), at);
    const auto elem = ValueType(elem_raw);
    if (in.remaining() < sizeof(uint64_t)) return in.short_read(what.text() + " element count");
    const uint64_t count = detail::load_le<uint64_t>(in.here());
    in.skip(sizeof(uint64_t));
    // Smallest encoding of one element: a string is at least its length
    // field, an array at least its type and count.
    const uint64_t min_bytes = elem == ValueType::string ? 8 : elem == ValueType::array ? 12 : scalar_bytes(elem);
    if (count > in.remaining() / min_bytes) {
        if (!in.holds_whole_file()) return in.short_read(what.text());
        return in.error(what.text() + " declares " + std::to_string(count) + " elements of " +
                            std::string(value_type_name(elem)) + " but only " + std::to_string(in.remaining()) +
                            " bytes remain in the file",
                        at);
    }
    if (elem != ValueType::string && elem != ValueType::array) {
        in.skip(count * min_bytes);
        return {};
    }
    ValueLabel element{nullptr, &what, 0};
    for (; element.index < count; ++element.index) {
        auto ok = skip_value(in, elem, element, depth + 1);
        if (!ok) return ok;
    }
    return {};
}

struct StoredTypeAt {
    uint64_t at;  // file offset of the id
    uint32_t file_id;
};

// Whether the tensors, sized in `dialect`, sit in the data section of
// `data_size` bytes as a writer lays them out: each one's end at most one
// alignment short of the next one's offset (of the data's end, for the last).
bool sizes_fit_layout(const GgufHeader& h, const std::vector<StoredTypeAt>& stored, Dialect dialect, uint64_t data_size) {
    struct Extent {
        uint64_t offset, bytes;
    };
    std::vector<Extent> extents;
    extents.reserve(stored.size());
    for (size_t i = 0; i < stored.size(); ++i) {
        auto type = type_from_file_id(stored[i].file_id, dialect);
        if (!type || !type_is_usable(static_cast<uint32_t>(*type))) return false;
        auto bytes = tensor_bytes(*type, h.tensors[i].ne);
        if (!bytes) return false;
        if (*bytes > 0) extents.push_back({h.tensors[i].offset, *bytes});
    }
    std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) { return a.offset < b.offset; });
    for (size_t i = 0; i < extents.size(); ++i) {
        const uint64_t next = i + 1 < extents.size() ? extents[i + 1].offset : data_size;
        if (extents[i].offset > next || extents[i].bytes > next - extents[i].offset) return false;
        if (next - extents[i].offset - extents[i].bytes >= h.alignment) return false;
    }
    return true;
}

// Decides the header's dialect, then gives every tensor its type and size.
// The cursor stands at the end of the tensor infos.
Status resolve_tensor_types(GgufHeader& h, const std::vector<StoredTypeAt>& stored, const Cursor& in, const std::string& file,
                            uint64_t file_size, std::optional<Dialect> forced) {
    std::vector<StoredType> types;
    types.reserve(stored.size());
    for (size_t i = 0; i < stored.size(); ++i) types.push_back({h.tensors[i].name, stored[i].file_id});
    const uint64_t data_offset = (in.pos() + h.alignment - 1) / h.alignment * h.alignment;
    const LayoutFits fits = [&](Dialect d) {
        return data_offset <= file_size && sizes_fit_layout(h, stored, d, file_size - data_offset);
    };
    auto dialect = detect_dialect(types, h.metadata.get_uint(keys::kFileType), forced, file, fits);
    if (!dialect) return std::unexpected(dialect.error());
    h.dialect = *dialect;
    for (size_t i = 0; i < stored.size(); ++i) {
        TensorInfo& t = h.tensors[i];
        const std::string label = "tensor '" + t.name + "'";
        auto type = type_from_file_id(stored[i].file_id, h.dialect);
        if (!type) {
            return in.error(label + " has unknown tensor type " + std::to_string(stored[i].file_id) + " (not a " +
                                std::string(dialect_name(h.dialect)) + " type id)", stored[i].at);
        }
        if (!type_is_usable(static_cast<uint32_t>(*type))) {
            return fail(ErrorCode::unsupported, file, label + " uses removed tensor type " + std::string(type_display_name(*type)),
                        stored[i].at);
        }
        t.type = *type;
        auto size = tensor_bytes(t.type, t.ne);
        if (!size) return fail(size.error().code, file, label + ": " + size.error().message, stored[i].at);
        t.n_bytes = *size;
    }
    return {};
}

}  // namespace

namespace detail {

Result<GgufHeader> parse_header_layout(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& file,
                                       const ParsedUpTo& parsed_up_to, std::optional<Dialect> dialect) {
    Cursor in(bytes, file_size, file);
    GgufHeader h;

    auto magic = in.read<uint32_t>("magic");
    if (!magic) return std::unexpected(magic.error());
    if (*magic != kGgufMagic) return in.error("not a GGUF file: expected magic \"GGUF\"", 0);

    auto version = in.read<uint32_t>("version");
    if (!version) return std::unexpected(version.error());
    if ((*version & 0xFFFF) == 0 && *version != 0) {
        return fail(ErrorCode::unsupported, file, "version field " + std::to_string(*version) +
                                                      " looks byte-swapped: big-endian GGUF is not supported", 4);
    }
    if (*version == 1) return fail(ErrorCode::unsupported, file, "GGUF v1 is not supported (expected version 2 or 3)", 4);
    if (*version != 2 && *version != 3) {
        return fail(ErrorCode::unsupported, file, "GGUF version " + std::to_string(*version) + " is not supported (expected 2 or 3)", 4);
    }
    h.version = *version;

    auto n_tensors = in.read<uint64_t>("tensor count");
    if (!n_tensors) return std::unexpected(n_tensors.error());
    auto n_kv = in.read<uint64_t>("key/value count");
    if (!n_kv) return std::unexpected(n_kv.error());

    // A key/value takes at least 8 (key length) + 1 (key) + 4 (type) + 1
    // bytes; a tensor info at least 8 + 1 + 4 + 4 + 8 bytes.
    if (in.holds_whole_file() && *n_kv > in.remaining() / 14) {
        return in.error("header declares " + std::to_string(*n_kv) + " key/value pairs, more than the file can hold", 16);
    }
    if (in.holds_whole_file() && *n_tensors > in.remaining() / 25) {
        return in.error("header declares " + std::to_string(*n_tensors) + " tensors, more than the file can hold", 8);
    }

    // A set beside the metadata's list: looking each key up in the list made
    // a header of many keys (a hostile one, or 200,000 in a test) quadratic.
    std::unordered_set<std::string> seen_keys;
    for (uint64_t i = 0; i < *n_kv; ++i) {
        const uint64_t at = in.pos();
        auto key = in.read_string("key " + std::to_string(i));
        if (!key) return std::unexpected(key.error());
        if (key->empty()) return in.error("key " + std::to_string(i) + " is empty", at);
        if (!seen_keys.insert(*key).second) return in.error("duplicate key '" + *key + "'", at);
        const uint64_t type_at = in.pos();
        auto type = in.read<uint32_t>("type of key '" + *key + "'");
        if (!type) return std::unexpected(type.error());
        if (*type >= kValueTypeCount) {
            return in.error("key '" + *key + "' has unknown value type " + std::to_string(*type) + " (expected 0..12)", type_at);
        }
        const uint64_t body_at = in.pos();
        const std::string label = "value of key '" + *key + "'";
        auto ok = skip_value(in, ValueType(*type), ValueLabel{&label}, 0);
        if (!ok) return std::unexpected(ok.error());
        // A copy, so that nothing refers to the caller's bytes (a mapping
        // that could fault if the file shrank, whose pages `parsed_up_to`
        // may let go).
        h.metadata.append(*key, Value::from_encoded(ValueType(*type), in.span(body_at, in.pos())));
        if (parsed_up_to) parsed_up_to(in.pos());
    }

    if (const Value* align = h.metadata.find(keys::kAlignment)) {
        if (align->type() != ValueType::u32) {
            return fail(ErrorCode::bad_format, file, "general.alignment must be u32, found " + std::string(value_type_name(align->type())));
        }
        const uint64_t a = *align->as_uint();
        if (a == 0 || (a & (a - 1)) != 0) {
            return fail(ErrorCode::bad_format, file, "general.alignment " + std::to_string(a) + " is not a power of two");
        }
        h.alignment = a;
    }

    h.tensors.reserve(std::min<uint64_t>(*n_tensors, in.remaining() / 25));
    // Type ids are read in the file's dialect, which only all of them decide:
    // they are kept here until the last tensor info is read.
    std::vector<StoredTypeAt> stored_types;
    stored_types.reserve(h.tensors.capacity());
    for (uint64_t i = 0; i < *n_tensors; ++i) {
        const uint64_t at = in.pos();
        TensorInfo t;
        auto name = in.read_string("name of tensor " + std::to_string(i));
        if (!name) return std::unexpected(name.error());
        t.name = std::move(*name);
        const std::string label = "tensor '" + t.name + "'";
        if (t.name.empty()) return in.error("tensor " + std::to_string(i) + " has an empty name", at);
        if (t.name.size() > kMaxTensorNameBytes) {
            return in.error(label + " has a name of " + std::to_string(t.name.size()) + " bytes (at most 63 allowed)", at);
        }
        auto n_dims = in.read<uint32_t>(label + " dimension count");
        if (!n_dims) return std::unexpected(n_dims.error());
        if (*n_dims > kMaxDims) return in.error(label + " has " + std::to_string(*n_dims) + " dimensions (at most 4 allowed)");
        t.n_dims = *n_dims;
        for (uint32_t d = 0; d < *n_dims; ++d) {
            auto ne = in.read<int64_t>(label + " dimension " + std::to_string(d));
            if (!ne) return std::unexpected(ne.error());
            if (*ne < 0) return in.error(label + " dimension " + std::to_string(d) + " is negative (" + std::to_string(*ne) + ")");
            t.ne[d] = static_cast<uint64_t>(*ne);
        }
        const uint64_t type_at = in.pos();
        auto type = in.read<uint32_t>(label + " type");
        if (!type) return std::unexpected(type.error());
        stored_types.push_back({type_at, *type});
        auto offset = in.read<uint64_t>(label + " data offset");
        if (!offset) return std::unexpected(offset.error());
        t.offset = *offset;
        h.tensors.push_back(std::move(t));
    }
    auto sized = resolve_tensor_types(h, stored_types, in, file, file_size, dialect);
    if (!sized) return std::unexpected(sized.error());
    h.header_bytes = in.pos();

    // Tensor names must be unique: sort indices by name and compare neighbours.
    std::vector<size_t> order(h.tensors.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return h.tensors[a].name < h.tensors[b].name; });
    for (size_t i = 1; i < order.size(); ++i) {
        if (h.tensors[order[i]].name == h.tensors[order[i - 1]].name) {
            return fail(ErrorCode::bad_format, file, "duplicate tensor name '" + h.tensors[order[i]].name + "'");
        }
    }

    h.data_offset = h.tensors.empty() ? h.header_bytes : (h.header_bytes + h.alignment - 1) / h.alignment * h.alignment;
    if (h.data_offset > file_size) {
        return fail(ErrorCode::truncated, file, "file ends before its data section (expected at least " +
                                                    std::to_string(h.data_offset) + " bytes)", file_size);
    }
    return h;
}

std::vector<ExtentProblem> data_extent_problems(const GgufHeader& h, uint64_t file_size, const std::string& file,
                                                std::optional<Dialect> forced) {
    std::vector<ExtentProblem> problems;
    const TensorInfo* current = nullptr;
    auto report = [&](std::unexpected<Error> e) { problems.push_back({current->name, std::move(e.error())}); };
    const uint64_t data_size = file_size - h.data_offset;
    std::vector<size_t> order(h.tensors.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return h.tensors[a].offset < h.tensors[b].offset; });
    uint64_t previous_end = 0;
    std::string previous_name;
    for (size_t idx : order) {
        const TensorInfo& t = h.tensors[idx];
        current = &t;
        if (t.offset % h.alignment != 0) {
            report(fail(ErrorCode::bad_format, file, "tensor '" + t.name + "' data offset " + std::to_string(t.offset) +
                                                         " is not a multiple of the alignment " + std::to_string(h.alignment)));
        }
        if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
            report(fail(ErrorCode::truncated, file, "tensor '" + t.name + "' data (" + std::to_string(t.n_bytes) +
                                                        " bytes at data offset " + std::to_string(t.offset) +
                                                        ") extends past the end of the file",
                        h.data_offset + std::min(t.offset, data_size)));
            continue;
        }
        if (t.n_bytes > 0 && t.offset < previous_end) {
            report(fail(ErrorCode::bad_format, file, "tensor '" + t.name + "' data overlaps tensor '" + previous_name + "'",
                        h.data_offset + t.offset));
        }
        if (t.n_bytes > 0 && t.offset + t.n_bytes > previous_end) {
            previous_end = t.offset + t.n_bytes;
            previous_name = t.name;
        }
    }
    if (!problems.empty() && !forced) {
        const std::string hint = other_dialect_hint(h.tensors, h.dialect);
        for (auto& p : problems) p.error.message += hint;
    }
    return problems;
}

Result<GgufHeader> parse_header(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& file,
                                const ParsedUpTo& parsed_up_to, std::optional<Dialect> dialect) {
    auto h = parse_header_layout(bytes, file_size, file, parsed_up_to, dialect);
    if (!h) return h;
    auto problems = data_extent_problems(*h, file_size, file, dialect);
    if (!problems.empty()) return std::unexpected(std::move(problems.front().error));
    return h;
}

}  // namespace detail

Result<GgufHeader> parse_header(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& file,
                                std::optional<Dialect> dialect) {
    return detail::parse_header(bytes, file_size, file, {}, dialect);
}

}  // namespace gguf
