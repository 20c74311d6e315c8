// NextN keys against the tensors present: what llama.cpp needs to load the
// MTP blocks a file declares, and no NextN tensor that no key declares.
#include "checks.h"
#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"

namespace gguf::detail {
namespace {

bool is_nextn_tensor(std::string_view name) { return name.find(".nextn.") != std::string_view::npos; }


}  // namespace

void check_mtp(const Model& model, VerifyReport& report) {
    auto summary = summarize_mtp(model);
    if (!summary) {
        report.findings.push_back(make_finding(Check::mtp, Severity::error, summary.error()));
        return;
    }
    const std::string nextn_key = model.metadata().arch_key("nextn_predict_layers");
    const uint32_t first_mtp = summary->range().first();
    for (auto ref : model.tensors()) {
        const auto& name = model.info(ref).name;
        if (!is_nextn_tensor(name)) continue;
        if (summary->layout == MtpLayout::none) {
            add_model_finding(report, Check::mtp, model, Severity::error, ErrorCode::mismatch,
                "tensor '" + name + "' is a NextN tensor but " + nextn_key + " is absent or 0", name);
        } else if (block_number(name) < static_cast<int64_t>(first_mtp)) {
            add_model_finding(report, Check::mtp, model, Severity::error, ErrorCode::mismatch,
                "tensor '" + name + "' is a NextN tensor in trunk block " + std::to_string(block_number(name)) +
                    " (the MTP blocks are blk." + std::to_string(first_mtp) + " and after, by " + nextn_key + ")",
                name);
        }
    }
    if (summary->layout == MtpLayout::none) return;

    const std::string arch(model.metadata().get_string(keys::kArchitecture).value_or(""));
    const MtpArchitecture* table = find_mtp_architecture(arch);
    if (!table) {
        add_model_finding(report, Check::mtp, model, Severity::warning, ErrorCode::unsupported,
            nextn_key + " declares " + std::to_string(summary->nextn_layers) +
                " NextN layer(s), but llama.cpp reads no NextN blocks for architecture '" + arch + "'");
        return;
    }
    for (uint32_t b : summary->blocks) {
        for (auto suffix : table->required_tensors) {
            const std::string name = "blk." + std::to_string(b) + "." + std::string(suffix) + ".weight";
            if (model.find(name)) continue;
            add_model_finding(report, Check::mtp, model, Severity::error, ErrorCode::not_found,
                "MTP block " + std::to_string(b) + " (" + nextn_key + " " + std::to_string(summary->nextn_layers) +
                    ") lacks tensor '" + name + "', which llama.cpp requires for " + arch,
                name);
        }
    }
}

}  // namespace gguf::detail
