#include "gguf/imatrix/imatrix.h"

#include <cmath>
#include <cstring>

#include "../io/mapped_file.h"
#include "gguf/format/gguf_file.h"

namespace gguf {
namespace {

bool is_finite_and_not_negative(float x) { return std::isfinite(x) && x >= 0.0f; }

Result<Imatrix> read_gguf_imatrix(const std::string& path) {
    auto file = GgufFile::open(path);
    if (!file) return std::unexpected(file.error());
    Imatrix m;
    const Metadata& md = file->metadata();
    if (const Value* d = md.find("imatrix.datasets"); d && d->is_array()) {
        if (auto names = d->string_elements()) m.datasets = *names;
    }
    const auto chunk_count = md.get_uint("imatrix.chunk_count");
    const auto chunk_size = md.get_uint("imatrix.chunk_size");
    m.has_metadata = md.contains("imatrix.datasets") && chunk_count && chunk_size;
    m.chunk_count = static_cast<int32_t>(chunk_count.value_or(0));
    m.chunk_size = static_cast<int32_t>(chunk_size.value_or(0));

    struct Pair {
        int64_t sums = -1, counts = -1;
    };
    std::map<std::string, Pair> pairs;
    const auto& tensors = file->tensors();
    for (size_t i = 0; i < tensors.size(); ++i) {
        const std::string& name = tensors[i].name;
        for (auto [suffix, is_sums] : {std::pair{std::string_view(".in_sum2"), true}, std::pair{std::string_view(".counts"), false}}) {
            if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
                auto& p = pairs[name.substr(0, name.size() - suffix.size())];
                (is_sums ? p.sums : p.counts) = static_cast<int64_t>(i);
            }
        }
    }
    if (pairs.empty()) return fail(ErrorCode::bad_format, path, "holds no imatrix entries (no <tensor>.in_sum2 / <tensor>.counts)");
    for (const auto& [name, p] : pairs) {
        if (p.sums < 0 || p.counts < 0) {
            return fail(ErrorCode::bad_format, path, "entry '" + name + "' has " + (p.sums < 0 ? "counts but no in_sum2" : "in_sum2 but no counts"));
        }
        const TensorInfo& s = tensors[p.sums];
        const TensorInfo& c = tensors[p.counts];
        if (s.type != TensorType::F32 || c.type != TensorType::F32) {
            return fail(ErrorCode::bad_format, path, "entry '" + name + "': in_sum2 and counts must be F32");
        }
        const uint64_t matrices = c.n_elements();
        if (s.n_elements() == 0) return fail(ErrorCode::bad_format, path, "entry '" + name + "': in_sum2 holds no values");
        if (matrices == 0 || s.n_elements() % matrices != 0) {
            return fail(ErrorCode::bad_format, path, "entry '" + name + "': " + std::to_string(s.n_elements()) +
                                                         " sums do not split into " + std::to_string(matrices) + " matrices");
        }
        ImatrixEntry e;
        e.sums.resize(s.n_elements());
        // Read, not mapped: a file cut short while being read is an error, not a SIGBUS.
        if (auto ok = file->read_tensor_data(p.sums, 0, std::span(reinterpret_cast<uint8_t*>(e.sums.data()), s.n_bytes)); !ok) {
            return std::unexpected(ok.error());
        }
        std::vector<uint8_t> counts(c.n_bytes);
        if (auto ok = file->read_tensor_data(p.counts, 0, counts); !ok) return std::unexpected(ok.error());
        for (uint64_t j = 0; j < matrices; ++j) {
            float count;
            std::memcpy(&count, counts.data() + j * 4, 4);
            if (!is_finite_and_not_negative(count)) {
                return fail(ErrorCode::bad_format, path, "entry '" + name + "': count of matrix " + std::to_string(j) + " is " +
                                                             std::to_string(count) + " (expected a count >= 0)");
            }
            e.counts.push_back(std::lround(count));
        }
        for (size_t k = 0; k < e.sums.size(); ++k) {
            if (!is_finite_and_not_negative(e.sums[k])) {
                return fail(ErrorCode::bad_format, path, "entry '" + name + "': value " + std::to_string(k) + " is " +
                                                             std::to_string(e.sums[k]) + " (expected a sum of squares >= 0)");
            }
        }
        m.entries.emplace(name, std::move(e));
    }
    return m;
}

// The legacy format, read with every length checked against what remains.
class LegacyReader {
public:
    LegacyReader(std::span<const uint8_t> bytes, const std::string& path) : bytes_(bytes), path_(path) {}
    uint64_t remaining() const { return bytes_.size() - pos_; }
    uint64_t pos() const { return pos_; }

    Result<int32_t> i32(const std::string& what) {
        if (remaining() < 4) return fail(ErrorCode::truncated, path_, "file ends while reading " + what, pos_);
        int32_t v;
        std::memcpy(&v, bytes_.data() + pos_, 4);
        pos_ += 4;
        return v;
    }
    Result<std::span<const uint8_t>> take(uint64_t n, const std::string& what) {
        if (remaining() < n) {
            return fail(ErrorCode::truncated, path_, what + " needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " remain", pos_);
        }
        auto s = bytes_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

private:
    std::span<const uint8_t> bytes_;
    const std::string& path_;
    uint64_t pos_ = 0;
};

Result<Imatrix> read_legacy_imatrix(std::span<const uint8_t> bytes, const std::string& path) {
    LegacyReader in(bytes, path);
    Imatrix m;
    m.legacy = true;
    auto n_entries = in.i32("the entry count");
    if (!n_entries) return std::unexpected(n_entries.error());
    if (*n_entries < 1) return fail(ErrorCode::bad_format, path, "is neither a GGUF imatrix nor a .dat imatrix with entries", 0);
    for (int32_t i = 0; i < *n_entries; ++i) {
        const std::string label = "entry " + std::to_string(i + 1);
        auto len = in.i32(label + " name length");
        if (!len) return std::unexpected(len.error());
        if (*len < 0) return fail(ErrorCode::bad_format, path, label + " has a negative name length", in.pos() - 4);
        auto name_bytes = in.take(static_cast<uint64_t>(*len), label + " name");
        if (!name_bytes) return std::unexpected(name_bytes.error());
        const std::string name(reinterpret_cast<const char*>(name_bytes->data()), name_bytes->size());
        auto ncall = in.i32("call count of '" + name + "'");
        if (!ncall) return std::unexpected(ncall.error());
        auto nval = in.i32("value count of '" + name + "'");
        if (!nval) return std::unexpected(nval.error());
        if (*ncall < 0 || *nval < 1) {
            return fail(ErrorCode::bad_format, path, "entry '" + name + "' has " + std::to_string(*ncall) + " calls and " +
                                                         std::to_string(*nval) + " values (expected calls >= 0, values >= 1)", in.pos() - 8);
        }
        auto values = in.take(uint64_t(*nval) * 4, "values of '" + name + "'");
        if (!values) return std::unexpected(values.error());
        ImatrixEntry e;
        e.sums.resize(*nval);
        std::memcpy(e.sums.data(), values->data(), values->size());
        for (size_t k = 0; k < e.sums.size(); ++k) {
            if (!is_finite_and_not_negative(e.sums[k])) {
                return fail(ErrorCode::bad_format, path, "entry '" + name + "': value " + std::to_string(k) + " is " +
                                                             std::to_string(e.sums[k]) + " (expected a scaled sum of squares >= 0)",
                            in.pos() - values->size() + k * 4);
            }
        }
        e.counts = {*ncall};
        m.entries[name] = std::move(e);
    }
    if (in.remaining() >= 4) {
        m.chunk_count = *in.i32("chunk count");
        if (in.remaining() >= 4) {
            const int32_t len = *in.i32("dataset name length");
            if (len > 0 && static_cast<uint64_t>(len) <= in.remaining()) {
                auto name = *in.take(static_cast<uint64_t>(len), "dataset name");
                m.datasets.emplace_back(reinterpret_cast<const char*>(name.data()), strnlen(reinterpret_cast<const char*>(name.data()), name.size()));
            }
        }
    }
    return m;
}

}  // namespace

std::vector<float> Imatrix::weights(const std::string& tensor) const {
    auto it = entries.find(tensor);
    if (it == entries.end()) return {};
    const ImatrixEntry& e = it->second;
    std::vector<float> w(e.sums.size());
    if (legacy) {
        const int64_t ncall = e.counts.empty() ? 0 : e.counts[0];
        for (size_t i = 0; i < w.size(); ++i) w[i] = ncall > 0 ? e.sums[i] / static_cast<float>(ncall) : e.sums[i];
        return w;
    }
    const size_t row = e.sums.size() / e.counts.size();
    for (size_t j = 0; j < e.counts.size(); ++j) {
        const float count = static_cast<float>(e.counts[j]);
        for (size_t i = 0; i < row; ++i) w[j * row + i] = count > 0.0f ? e.sums[j * row + i] / count : 1.0f;
    }
    return w;
}

Result<Imatrix> read_imatrix(const std::string& path) {
    auto map = MappedFile::open(path);
    if (!map) return std::unexpected(map.error());
    const auto bytes = (*map)->bytes();
    uint32_t magic = 0;
    if (bytes.size() >= 4) std::memcpy(&magic, bytes.data(), 4);
    if (magic == kGgufMagic) return read_gguf_imatrix(path);
    return read_legacy_imatrix(bytes, path);
}

}  // namespace gguf
