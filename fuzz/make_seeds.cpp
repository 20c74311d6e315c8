// gguf-mtp-fuzz-seeds FIXTURES_DIR OUT_DIR: the fuzz targets' starting
// corpora, made from the test fixtures (OUT_DIR/<target>/...).
//
// Every fixture keeps its keys, tensor names and types but each tensor
// shrinks to one block, so seeds are a few KB and libFuzzer's mutations land
// on headers rather than on tensor data. Split sets are packed with the
// separator of scratch_files.h, trunk+head pairs likewise, and imatrix seeds
// (both formats) name the fixtures' tensors.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "gguf/split/model.h"
#include "gguf/plan/writer.h"
#include "scratch_files.h"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void save(const fs::path& path, const Bytes& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes pack(const std::vector<Bytes>& files) {
    Bytes out;
    for (size_t i = 0; i < files.size(); ++i) {
        if (i > 0) out.insert(out.end(), gguf_fuzz::kFileSeparator.begin(), gguf_fuzz::kFileSeparator.end());
        out.insert(out.end(), files[i].begin(), files[i].end());
    }
    return out;
}

gguf::Status zeros(std::span<uint8_t> out) {
    std::memset(out.data(), 0, out.size());
    return {};
}

// The fixture's plan with every tensor cut to one block of its type.
gguf::Plan shrunk(const gguf::Model& model) {
    gguf::Plan plan = gguf::plan_copy(model);
    for (auto& t : plan.tensors) {
        t.info.ne = {gguf::type_traits(static_cast<uint32_t>(t.info.type))->block_size, 1, 1, 1};
        t.info.n_bytes = *gguf::tensor_bytes(t.info.type, t.info.ne);
        t.source = gguf::FillSource(zeros);
    }
    return plan;
}

// The files write_plan makes of `plan`, in shard order.
std::vector<Bytes> written(const gguf::Plan& plan, gguf::SplitLimits split) {
    gguf_fuzz::ScratchDir dir;
    gguf::WriteOptions options;
    options.output = dir.path("seed.gguf");
    options.split = split;
    auto report = gguf::write_plan(plan, options);
    gguf_fuzz::require(report.has_value(), "a shrunk fixture can be written");
    std::vector<Bytes> files;
    for (const auto& f : report->files) files.push_back(read_bytes(f.path));
    return files;
}

gguf::PlannedTensor f32_tensor(const std::string& name, uint64_t ne0, uint64_t ne1) {
    gguf::TensorInfo info;
    info.name = name;
    info.n_dims = 2;
    info.ne = {ne0, ne1, 1, 1};
    info.n_bytes = ne0 * ne1 * 4;
    return {info, gguf::FillSource([](std::span<uint8_t> out) -> gguf::Status {
                for (size_t i = 0; i + 4 <= out.size(); i += 4) std::memcpy(out.data() + i, "\0\0\x80\x3f", 4);  // 1.0f
                return {};
            })};
}

// An imatrix for a few of the model's tensors, as llama-imatrix writes it.
Bytes imatrix_gguf(const gguf::Model& model) {
    gguf::Plan plan;
    plan.metadata.append("general.type", gguf::Value::string("imatrix"));
    plan.metadata.append("imatrix.datasets", gguf::Value::string_array(std::vector<std::string>{"seed.txt"}));
    plan.metadata.append("imatrix.chunk_count", gguf::Value::u32(2));
    plan.metadata.append("imatrix.chunk_size", gguf::Value::u32(512));
    for (size_t i = 0; i < std::min<size_t>(3, model.tensors().size()); ++i) {
        const std::string& name = model.info(model.tensors()[i]).name;
        plan.tensors.push_back(f32_tensor(name + ".in_sum2", 4, 2));
        plan.tensors.push_back(f32_tensor(name + ".counts", 1, 2));
    }
    return written(plan, {}).front();
}

// The same in the legacy .dat format: entries, then chunk count and dataset.
Bytes imatrix_dat(const gguf::Model& model) {
    Bytes out;
    auto put_i32 = [&](int32_t v) { out.insert(out.end(), reinterpret_cast<uint8_t*>(&v), reinterpret_cast<uint8_t*>(&v) + 4); };
    const auto n = static_cast<int32_t>(std::min<size_t>(3, model.tensors().size()));
    put_i32(n);
    for (int32_t i = 0; i < n; ++i) {
        const std::string& name = model.info(model.tensors()[i]).name;
        put_i32(static_cast<int32_t>(name.size()));
        out.insert(out.end(), name.begin(), name.end());
        put_i32(1);  // calls
        put_i32(4);  // values
        for (int k = 0; k < 4; ++k) out.insert(out.end(), {0, 0, 0x80, 0x3f});
    }
    put_i32(2);
    put_i32(8);
    const std::string dataset = "seed.txt";
    out.insert(out.end(), dataset.begin(), dataset.end());
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: gguf-mtp-fuzz-seeds FIXTURES_DIR OUT_DIR\n");
        return 2;
    }
    const fs::path out = argv[2];
    std::vector<fs::path> fixtures;
    for (const auto& e : fs::directory_iterator(argv[1])) {
        if (e.path().extension() == ".gguf") fixtures.push_back(e.path());
    }
    std::sort(fixtures.begin(), fixtures.end());
    for (const auto& path : fixtures) {
        auto model = gguf::Model::open(path.string());
        if (!model) {
            std::fprintf(stderr, "gguf-mtp-fuzz-seeds: %s\n", model.error().to_string().c_str());
            return 1;
        }
        const std::string stem = path.stem().string();
        const gguf::Plan plan = shrunk(*model);
        const Bytes single = written(plan, {}).front();
        save(out / "gguf_header" / stem, single);
        save(out / "split_set" / stem, single);
        const auto shards = static_cast<uint32_t>((plan.tensors.size() + 2) / 3);
        save(out / "split_set" / (stem + "-split"), pack(written(plan, {0, shards, false})));
        save(out / "split_set" / (stem + "-split-metadata-first"), pack(written(plan, {0, 2 * shards, true})));
        if (const auto cut = stem.rfind("-trunk"); cut != std::string::npos) {
            const fs::path head = path.parent_path() / (stem.substr(0, cut) + "-mtp" + stem.substr(cut + 6) + ".gguf");
            auto head_model = gguf::Model::open(head.string());
            if (head_model) save(out / "pairing" / stem, pack({single, written(shrunk(*head_model), {}).front()}));
        } else {
            save(out / "pairing" / stem, single);
        }
        if (stem.find("bundled") != std::string::npos) {
            save(out / "imatrix" / (stem + ".gguf"), imatrix_gguf(*model));
            save(out / "imatrix" / (stem + ".dat"), imatrix_dat(*model));
        }
    }
    return 0;
}
