#include "quantize_report.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "plan_json.h"

namespace gguf_mtp {
namespace {

std::string type_name(gguf::TensorType t) { return std::string(gguf::type_display_name(t)); }

std::string why(const gguf::PlannedQuantization& q) {
    using R = gguf::TypeReason;
    std::string text;
    switch (q.choice.reason) {
        case R::kept: text = "kept"; break;
        case R::preset: text = "preset"; break;
        case R::mixture: text = "mixture"; break;
        case R::rule: text = "rule " + std::to_string(q.choice.rule_index + 1); break;
        case R::output_option: text = "output-tensor-type"; break;
        case R::token_embd_option: text = "token-embedding-type"; break;
    }
    if (q.choice.before_fallback) text += ", " + type_name(*q.choice.before_fallback) + " does not fit the rows";
    if (q.importance == gguf::ImportanceUse::replaced) text += ", no imatrix entry for " + type_name(q.choice.type);
    if (q.alone) text += ", as bundled (alone: " + type_name(*q.alone) + ")";
    return text;
}

const char* importance_name(gguf::ImportanceUse u) {
    switch (u) {
        case gguf::ImportanceUse::not_applicable: return "-";
        case gguf::ImportanceUse::used: return "imatrix";
        case gguf::ImportanceUse::absent: return "none";
        case gguf::ImportanceUse::uniform: return "uniform";
        case gguf::ImportanceUse::replaced: return "fallback";
    }
    return "-";
}

struct Totals {
    uint64_t bytes_in = 0, bytes_out = 0;
    size_t quantized = 0, copied = 0;
};

Totals totals_of(const gguf::QuantizePlan& plan) {
    Totals t;
    for (const auto& q : plan.tensors) {
        t.bytes_in += q.bytes_in;
        t.bytes_out += q.bytes_out;
        (q.from == q.to ? t.copied : t.quantized)++;
    }
    return t;
}

}  // namespace

void print_quantize_table(const gguf::QuantizePlan& plan) {
    std::printf("%-44s %-8s %-8s %-8s %10s  %s\n", "tensor", "from", "to", "imatrix", "bytes", "why");
    for (const auto& q : plan.tensors) {
        std::printf("%-44s %-8s %-8s %-8s %10s  %s%s\n", q.tensor.c_str(), type_name(q.from).c_str(), type_name(q.to).c_str(),
                    importance_name(q.importance), format_bytes(q.bytes_out).c_str(), why(q).c_str(), q.in_mtp_block ? " [mtp]" : "");
    }
}

void print_quantize_summary(const gguf::QuantizePlan& plan, const QuantizeRunFacts& facts) {
    const Totals t = totals_of(plan);
    std::fprintf(stderr, "quantize: %s: %zu tensors quantized, %zu copied, %s -> %s\n", facts.preset.c_str(), t.quantized, t.copied,
                 format_bytes(t.bytes_in).c_str(), format_bytes(t.bytes_out).c_str());
    if (const auto& r = facts.reuse) {
        if (!r->record_problem.empty()) {
            std::fprintf(stderr, "quantize: reused nothing from %s: %s\n", r->previous.c_str(), r->record_problem.c_str());
        } else {
            std::fprintf(stderr, "quantize: reused %zu of %zu quantized tensors from %s (making them took %.1f s)\n", r->reused,
                         r->quantized, r->previous.c_str(), r->seconds_saved);
        }
    }
    for (const auto& r : remote_reads(plan.plan)) {
        std::fprintf(stderr, "quantize: fetches %s of tensor data from %s\n", format_bytes(r.bytes).c_str(), r.name.c_str());
    }
    auto list = [&](gguf::ImportanceUse use, const char* heading) {
        size_t n = 0;
        for (const auto& q : plan.tensors) n += q.importance == use;
        if (n == 0) return;
        std::fprintf(stderr, "quantize: %zu tensor(s) %s:\n", n, heading);
        for (const auto& q : plan.tensors) {
            if (q.importance != use) continue;
            std::string detail = type_name(q.to);
            if (use == gguf::ImportanceUse::replaced) detail += " instead of " + type_name(q.choice.type);
            std::fprintf(stderr, "  %s (%s)%s\n", q.tensor.c_str(), detail.c_str(), q.in_mtp_block ? " [mtp]" : "");
        }
    };
    list(gguf::ImportanceUse::replaced, ("had no imatrix entry and took the fallback type (--imatrix-missing " + facts.missing_policy + ")").c_str());
    list(gguf::ImportanceUse::uniform, "had no imatrix entry and were quantized with uniform weights (--imatrix-missing uniform)");
    if (!facts.imatrix.empty()) list(gguf::ImportanceUse::absent, "were quantized without importance data (no imatrix entry)");
}

void print_quantize_json(const gguf::QuantizePlan& plan, const std::vector<gguf::ShardLayout>& files, const QuantizeRunFacts& facts) {
    nlohmann::json doc;
    doc["schema"] = "gguf-mtp-quantize/1";
    doc["input"] = facts.input;
    doc["preset"] = facts.preset;
    doc["file_type"] = plan.file_type;
    doc["imatrix"] = facts.imatrix.empty() ? nlohmann::json(nullptr) : nlohmann::json(facts.imatrix);
    doc["imatrix_entries"] = plan.imatrix_entries;
    doc["imatrix_missing"] = facts.missing_policy;
    doc["written"] = facts.written;
    if (facts.written) doc["seconds"] = facts.seconds;
    if (const auto& r = facts.reuse) {
        doc["reuse"] = {{"previous", r->previous}, {"quantized", r->quantized}, {"reused", r->reused}, {"seconds_saved", r->seconds_saved}};
        if (!r->record_problem.empty()) doc["reuse"]["record_problem"] = r->record_problem;
    }
    doc["files"] = nlohmann::json::array();
    for (const auto& f : files) doc["files"].push_back({{"path", f.path}, {"bytes", f.file_bytes}, {"tensors", f.tensors.size()}});
    doc["tensors"] = nlohmann::json::array();
    for (const auto& q : plan.tensors) {
        nlohmann::json t = {{"name", q.tensor}, {"from", type_name(q.from)}, {"to", type_name(q.to)}, {"why", why(q)},
                            {"importance", importance_name(q.importance)}, {"mtp", q.in_mtp_block}, {"bytes_in", q.bytes_in},
                            {"bytes_out", q.bytes_out}};
        if (q.alone) t["alone"] = type_name(*q.alone);
        doc["tensors"].push_back(std::move(t));
    }
    const Totals t = totals_of(plan);
    doc["totals"] = {{"quantized", t.quantized}, {"copied", t.copied}, {"bytes_in", t.bytes_in}, {"bytes_out", t.bytes_out}};
    doc["plan"] = plan_json(plan.plan, files);
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace gguf_mtp
