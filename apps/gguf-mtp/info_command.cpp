#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli_support.h"
#include "commands.h"
#include "dialect_option.h"
#include "info_report.h"
#include "gguf/mtp/mtp_surgery.h"

namespace gguf_mtp {
namespace {

void print_text(const gguf::Model& model, const gguf::MtpSummary& mtp, const ModelDialect& dialect, const InfoOptions& options,
                const std::optional<std::regex>& filter) {
    const auto& first = model.shard(0);
    std::printf("file:          %s", first.path().c_str());
    if (model.is_split()) std::printf(" (split set of %u files)", model.shard_count());
    std::printf(", %s\n", format_bytes(model.total_file_bytes()).c_str());
    std::printf("gguf version:  %u, alignment %llu, data offset %llu\n", first.version(),
                static_cast<unsigned long long>(first.alignment()), static_cast<unsigned long long>(first.data_offset()));
    std::printf("architecture:  %s\n", std::string(model.metadata().get_string(gguf::keys::kArchitecture).value_or("(none)")).c_str());
    std::printf("file type:     %s\n", file_type_text(model.metadata(), dialect.dialect).c_str());
    std::printf("runtimes:      %s (type ids read as %s's)\n", std::string(gguf::runtimes_name(dialect.runtimes)).c_str(),
                std::string(gguf::dialect_name(dialect.dialect)).c_str());
    std::printf("tokenizer:     %s (XXH3 of the tokenizer.* keys; merge requires a match)\n",
                gguf::tokenizer_hash(model.metadata()).c_str());
    std::printf("mtp:           ");
    if (mtp.layout == gguf::MtpLayout::none) {
        std::printf("none\n");
    } else {
        std::string blocks;
        for (auto b : mtp.blocks) blocks += (blocks.empty() ? "blk." : ", blk.") + std::to_string(b);
        std::printf("%s, nextn_predict_layers %u of block_count %u (%s), %zu tensors, %s\n",
                    std::string(gguf::mtp_layout_name(mtp.layout)).c_str(), mtp.nextn_layers, mtp.block_count,
                    blocks.c_str(), mtp.tensors, format_bytes(mtp.bytes).c_str());
        if (const auto* table = gguf::find_mtp_architecture(model.metadata().get_string(gguf::keys::kArchitecture).value_or(""))) {
            std::printf("ik_llama.cpp:  %s\n", gguf::ik_mtp_text(table->ik).c_str());
        }
    }

    std::printf("\nkeys (%zu):\n", model.metadata().size());
    for (const auto& kv : model.metadata().entries()) {
        std::printf("  %-44s %-7s %s\n", kv.key.c_str(), std::string(gguf::value_type_name(kv.value.type())).c_str(),
                    kv.value.to_display(options.all_keys).c_str());
    }

    // ik's type names (IQ4_KS_R4, BF16_R16) and labels run past the 8
    // columns mainline's need: each column is as wide as its longest entry.
    std::vector<gguf::TensorRef> listed;
    int type_width = 8;
    for (auto ref : model.tensors()) {
        const auto& t = model.info(ref);
        if (filter && !std::regex_search(t.name, *filter)) continue;
        listed.push_back(ref);
        type_width = std::max(type_width, static_cast<int>(gguf::type_display_name(t.type).size()));
    }
    std::printf("\ntensors (%zu):\n", model.tensors().size());
    std::printf("  %-48s %-*s %-24s %14s %12s\n", "name", type_width, "type", "shape", "offset", "bytes");
    for (auto ref : listed) {
        const auto& t = model.info(ref);
        std::string offset = std::to_string(model.shard(ref.shard).tensor_file_offset(ref.index));
        if (model.is_split()) offset = std::to_string(ref.shard + 1) + ":" + offset;
        std::printf("  %-48s %-*s %-24s %14s %12llu\n", t.name.c_str(), type_width, std::string(gguf::type_display_name(t.type)).c_str(),
                    t.shape_text().c_str(), offset.c_str(), static_cast<unsigned long long>(t.n_bytes));
    }

    const auto totals = totals_by_type(model);
    int label_width = 8;
    for (const auto& [type, total] : totals) label_width = std::max(label_width, static_cast<int>(type.size()));
    std::printf("\ntotals by type:\n");
    for (const auto& [type, total] : totals) {
        std::printf("  %-*s %6zu tensors %12s\n", label_width, type.c_str(), total.tensors, format_bytes(total.bytes).c_str());
    }
    std::printf("  %-*s %6zu tensors %12s\n", label_width, "all", model.tensors().size(), format_bytes(model.total_tensor_bytes()).c_str());
}

int run_info(const InfoOptions& options) {
    std::optional<std::regex> filter;
    if (options.tensor_regex) {
        try {
            filter.emplace(*options.tensor_regex, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            std::fprintf(stderr, "gguf-mtp: error: --tensors '%s' is not a valid regular expression: %s\n",
                         options.tensor_regex->c_str(), e.what());
            return kExitUsage;
        }
    }
    // info reads no tensor data: a .gguf.zst is decompressed only as far as its header.
    auto model = open_model(options.path, gguf::OpenFor::header, options.remote, options.dialect);
    if (!model) return report_error(model.error());
    auto mtp = gguf::summarize_mtp(*model);
    if (!mtp) return report_error(mtp.error());
    auto dialect = model_dialect(*model);
    if (!dialect) return report_error(dialect.error());
    if (options.json) {
        std::cout << info_json(*model, *mtp, *dialect, options, filter).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        print_text(*model, *mtp, *dialect, options, filter);
    }
    return 0;
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<InfoOptions>();
    CLI::App* cmd = app.add_subcommand("info", "Show a GGUF model's header: keys, tensors, totals by type, MTP blocks.\n"
                                               "Reads no tensor data. Any shard of a split set opens the whole set.");
    cmd->add_option("model", options->path, "GGUF file, or any shard of a split set; or a URL (http(s)://, hf://ORG/REPO/FILE)")->required();
    cmd->add_flag("--json", options->json, "print one JSON document (schema gguf-mtp-info/1, see gguf-mtp-info(1))");
    cmd->add_flag("--keys", options->all_keys, "print arrays in full instead of their first elements");
    cmd->add_option("--tensors", options->tensor_regex, "list only tensors whose name matches this regular expression");
    add_remote_options(*cmd, options->remote);
    add_dialect_option(*cmd, options->dialect);
    cmd->callback([options, &exit_code] { exit_code = run_info(*options); });
}

}  // namespace gguf_mtp
