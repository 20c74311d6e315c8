#include "batch_steps.h"

#include <algorithm>
#include <filesystem>

#include "output_names.h"

namespace gguf_mtp {
namespace {

using nlohmann::json;

std::vector<std::string> quantize_args(const StepOptions& options, const std::string& other_half, const std::string& input,
                                       const std::string& output, const std::string& type) {
    std::vector<std::string> args{"quantize"};
    if (!options.imatrix.empty()) args.insert(args.end(), {"--imatrix", options.imatrix});
    if (!options.imatrix_missing.empty()) args.insert(args.end(), {"--imatrix-missing", options.imatrix_missing});
    args.insert(args.end(), {"--bundled-with", other_half, input, output, type});
    if (options.threads > 0) args.push_back(std::to_string(options.threads));
    return args;
}

json sorted_by_path(json entries) {
    const auto path = [](const json& e) { return e.is_object() ? e.value("path", json()) : json(); };
    std::stable_sort(entries.begin(), entries.end(), [&](const json& a, const json& b) { return path(a) < path(b); });
    return entries;
}

}  // namespace

std::vector<BatchStep> batch_steps(const std::string& source, const std::string& output_folder, const StepOptions& options) {
    // Named as if the model lay in the output folder: beside it, or its
    // mirror under --out.
    const std::string model_there =
        (std::filesystem::path(output_folder) / std::filesystem::path(source).filename()).lexically_normal().string();
    const std::string head = default_head_name(model_there);
    const std::string trunk = default_trunk_name(model_there);
    std::vector<BatchStep> steps{
        {head, "mtp", "", {"extract", "-o", head, source}},
        {trunk, "trunk", "", {"strip", "-o", trunk, source}},
    };
    for (const auto& preset : options.trunk_presets) {
        const std::string output = quantized_name(trunk, preset);
        steps.push_back({output, "trunk", preset, quantize_args(options, head, trunk, output, preset)});
    }
    if (!options.head_type.empty()) {
        const std::string output = quantized_name(head, options.head_type);
        steps.push_back({output, "mtp", options.head_type, quantize_args(options, trunk, head, output, options.head_type)});
    }
    return steps;
}

std::optional<json> reusable_entry(const BatchStep& step, const json& listed, const std::optional<gguf::FileHash>& found,
                                   bool inputs_unchanged) {
    if (!inputs_unchanged || !found || !listed.is_object()) return std::nullopt;
    const json& command = listed.value("command", json());
    if (!command.is_object() || !command.value("argv", json()).is_array()) return std::nullopt;
    // argv[0] is the binary, which may have moved since.
    std::vector<json> args(command["argv"].begin() + (command["argv"].empty() ? 0 : 1), command["argv"].end());
    // What a rerun adds to remake an existing output is no difference.
    std::erase(args, json("--force"));
    if (auto reuse = std::find(args.begin(), args.end(), json("--reuse")); reuse != args.end()) {
        args.erase(reuse, std::min(reuse + 2, args.end()));
    }
    if (json(args) != json(step.args)) return std::nullopt;
    if (listed.value("bytes", json()) != found->bytes || listed.value("xxh3_128", json()) != found->xxh3_128) return std::nullopt;
    return listed;
}

bool same_inputs(const json& before, const json& now) {
    return before.is_array() && now.is_array() && sorted_by_path(before) == sorted_by_path(now);
}

}  // namespace gguf_mtp
