#include "test_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "gguf/plan/writer.h"

namespace gguf_test {

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gguf-mtp-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> TempDir::listing() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// One read of the whole file: a byte at a time through a stream iterator was
// the slowest part of the fault tests in the unoptimised sanitizer build.
std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    std::vector<uint8_t> bytes(static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0)));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<size_t>(in.gcount()));
    return bytes;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> pattern_bytes(const std::string& name, uint64_t seed, size_t size) {
    std::seed_seq seq(name.begin(), name.end());
    std::vector<uint32_t> mixed(1);
    seq.generate(mixed.begin(), mixed.end());
    std::mt19937_64 rng(seed ^ mixed[0]);
    std::vector<uint8_t> out(size);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

namespace {

using gguf::Value;
using gguf::ValueType;

std::string random_text(std::mt19937_64& rng, size_t max_len) {
    std::string s(rng() % (max_len + 1), ' ');
    for (auto& c : s) c = static_cast<char>(rng() % 256);  // any byte: GGUF strings need not be UTF-8
    return s;
}

Value random_scalar(std::mt19937_64& rng, ValueType type) {
    switch (type) {
        case ValueType::u8: return Value::u8(static_cast<uint8_t>(rng()));
        case ValueType::i8: return Value::i8(static_cast<int8_t>(rng()));
        case ValueType::u16: return Value::u16(static_cast<uint16_t>(rng()));
        case ValueType::i16: return Value::i16(static_cast<int16_t>(rng()));
        case ValueType::u32: return Value::u32(static_cast<uint32_t>(rng()));
        case ValueType::i32: return Value::i32(static_cast<int32_t>(rng()));
        case ValueType::u64: return Value::u64(rng());
        case ValueType::i64: return Value::i64(static_cast<int64_t>(rng()));
        case ValueType::f32: return Value::f32(std::bit_cast<float>(static_cast<uint32_t>(rng())));
        case ValueType::f64: return Value::f64(std::bit_cast<double>(rng()));
        case ValueType::boolean: return Value::boolean(rng() % 2);
        case ValueType::string: return Value::string(random_text(rng, 40));
        case ValueType::array: break;
    }
    return Value::u8(0);
}

Value random_value(std::mt19937_64& rng, int depth) {
    const auto type = ValueType(rng() % gguf::kValueTypeCount);
    if (type != ValueType::array) return random_scalar(rng, type);
    auto elem = ValueType(rng() % gguf::kValueTypeCount);
    if (elem == ValueType::array && depth >= 2) elem = ValueType::string;
    std::vector<Value> items;
    const size_t n = rng() % 6;
    for (size_t i = 0; i < n; ++i) {
        items.push_back(elem == ValueType::array ? random_value(rng, depth + 1) : random_scalar(rng, elem));
        if (elem == ValueType::array && !items.back().is_array()) items.back() = Value::array_of(ValueType::u8, {});
    }
    return Value::array_of(elem, items);
}

}  // namespace

gguf::Plan random_plan(uint64_t seed, const RandomPlanOptions& options) {
    std::mt19937_64 rng(seed);
    gguf::Plan plan;
    plan.version = options.version;
    plan.metadata.append(gguf::keys::kArchitecture, Value::string("test"));
    if (options.alignment) plan.metadata.append(gguf::keys::kAlignment, Value::u32(static_cast<uint32_t>(options.alignment)));
    for (size_t i = 0; i < options.keys; ++i) plan.metadata.append("test.key_" + std::to_string(i), random_value(rng, 0));

    const gguf::TypeRuntimes foreign = options.dialect == gguf::Dialect::mainline ? gguf::TypeRuntimes::ik_only
                                                                                   : gguf::TypeRuntimes::mainline_only;
    std::vector<gguf::TensorType> usable;
    for (gguf::TensorType type : gguf::usable_types()) {
        if (gguf::type_traits(static_cast<uint32_t>(type))->runtimes != foreign) usable.push_back(type);
    }
    for (size_t i = 0; i < options.tensors; ++i) {
        gguf::TensorInfo info;
        info.name = "blk." + std::to_string(i / 4) + ".t" + std::to_string(i) + ".weight";
        info.type = usable[rng() % usable.size()];
        const auto traits = *gguf::type_traits(static_cast<uint32_t>(info.type));
        const uint32_t block = traits.block_size;
        info.n_dims = 1 + rng() % 4;
        info.ne = {block * (1 + rng() % 3), 1, 1, 1};
        for (uint32_t d = 1; d < info.n_dims; ++d) info.ne[d] = 1 + rng() % 3;
        if (info.n_dims > 1) info.ne[1] *= traits.interleaved_rows;
        info.n_bytes = *gguf::tensor_bytes(info.type, info.ne);
        const std::string name = info.name;
        plan.tensors.push_back({info, gguf::FillSource([name, seed](std::span<uint8_t> out) -> gguf::Status {
                                    auto bytes = pattern_bytes(name, seed, out.size());
                                    std::copy(bytes.begin(), bytes.end(), out.begin());
                                    return {};
                                })});
    }
    return plan;
}

void write_plan_or_fail(const gguf::Plan& plan, const std::string& path) {
    gguf::WriteOptions options;
    options.output = path;
    options.overwrite = true;
    auto report = gguf::write_plan(plan, options);
    ASSERT_TRUE(report.has_value()) << report.error().to_string();
}

gguf::Model open_or_die(const std::string& path) {
    auto m = gguf::Model::open(path);
    if (!m) throw std::runtime_error(m.error().to_string());
    return std::move(*m);
}

}  // namespace gguf_test
