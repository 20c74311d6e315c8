// gguf-mtp-fixtures SPEC_DIR OUT_DIR
//
// Writes, for every testdata spec, each layout it lists as
// <name>-<layout>.gguf (the spec's types) and <name>-<layout>-q.gguf
// (a mix of quantized types), plus fixtures.json, the manifest tests read:
// per file its fixture name ("arch", the prefix of its files: the
// architecture, or a variant's name such as glm4moe-wide), its
// general.architecture ("architecture"), layout, whether it is quantized,
// the layer counts llama.cpp must report for it, and the releases whose
// libllama loads it ("loads_in") and runs it ("runs_in").
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/plan/plan.h"
#include "gguf/plan/writer.h"
#include "quant_mix.h"
#include "spec.h"
#include "tensor_data.h"

namespace fs = std::filesystem;

namespace {

gguf::Result<gguf::Plan> plan_for(const fixtures::LayoutSpec& layout, bool quantized) {
    gguf::Plan plan;
    plan.metadata = layout.metadata;
    if (quantized) plan.metadata.set("general.file_type", gguf::Value::u32(fixtures::kMixedFileType));
    for (const gguf::TensorInfo& spec_tensor : layout.tensors) {
        gguf::TensorInfo info = spec_tensor;
        if (quantized) info.type = fixtures::mixed_type(spec_tensor);
        auto n_bytes = gguf::tensor_bytes(info.type, info.ne);
        if (!n_bytes) return std::unexpected(n_bytes.error());
        info.n_bytes = *n_bytes;
        plan.tensors.push_back({info, gguf::FillSource([info](std::span<uint8_t> out) {
                                    return fixtures::encode_tensor(info, out);
                                })});
    }
    return plan;
}

nlohmann::json release_names(const std::vector<gguf::LlamaRelease>& releases) {
    nlohmann::json names = nlohmann::json::array();
    for (gguf::LlamaRelease r : releases) names.push_back(std::string(gguf::rules_of(r).name));
    return names;
}

nlohmann::json manifest_entry(const fixtures::ArchSpec& spec, const fixtures::LayoutSpec& layout, bool quantized,
                              const std::string& file) {
    const gguf::Metadata& md = layout.metadata;
    const uint64_t block_count = md.get_uint(md.arch_key("block_count")).value_or(0);
    const uint64_t nextn = md.get_uint(md.arch_key("nextn_predict_layers")).value_or(0);
    return {
        // "arch" is the fixture name readers build sibling file names from;
        // it is the architecture itself except for variants.
        {"arch", spec.name},
        {"architecture", spec.arch},
        {"layout", layout.name},
        {"quantized", quantized},
        {"file", file},
        {"block_count", block_count},
        {"nextn_predict_layers", nextn},
        // llama_model_n_layer counts the trunk only, in every layout
        {"n_layer", block_count - nextn},
        {"loads_in", release_names(layout.loads_in)},
        {"runs_in", release_names(layout.runs_in)},
    };
}

int fail(const std::string& message) {
    std::fprintf(stderr, "gguf-mtp-fixtures: %s\n", message.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) return fail("usage: gguf-mtp-fixtures SPEC_DIR OUT_DIR");
    const fs::path spec_dir = argv[1];
    const fs::path out_dir = argv[2];
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) return fail(out_dir.string() + ": " + ec.message());

    std::vector<fs::path> specs;
    for (const auto& entry : fs::directory_iterator(spec_dir, ec))
        if (entry.path().extension() == ".json") specs.push_back(entry.path());
    if (ec) return fail(spec_dir.string() + ": " + ec.message());
    std::ranges::sort(specs);  // the manifest's order must not follow the directory's

    nlohmann::json manifest = nlohmann::json::array();
    for (const fs::path& spec_path : specs) {
        auto spec = fixtures::load_spec(spec_path.string());
        if (!spec) return fail(spec.error().to_string());
        for (const fixtures::LayoutSpec& layout : spec->layouts) {
            for (bool quantized : {false, true}) {
                const std::string file = spec->name + "-" + layout.name + (quantized ? "-q" : "") + ".gguf";
                auto plan = plan_for(layout, quantized);
                if (!plan) return fail(plan.error().to_string());
                gguf::WriteOptions options;
                options.output = (out_dir / file).string();
                options.overwrite = true;
                auto written = gguf::write_plan(*plan, options);
                if (!written) return fail(written.error().to_string());
                manifest.push_back(manifest_entry(*spec, layout, quantized, file));
            }
        }
    }

    // Written last and renamed into place: the build treats fixtures.json as
    // the stamp that says every fixture is complete.
    const fs::path manifest_path = out_dir / "fixtures.json";
    const fs::path temporary = out_dir / "fixtures.json.tmp";
    {
        std::ofstream out(temporary);
        out << manifest.dump(2) << '\n';
        if (!out.flush()) return fail(temporary.string() + ": write failed");
    }
    fs::rename(temporary, manifest_path, ec);
    if (ec) return fail(manifest_path.string() + ": " + ec.message());
    return 0;
}
