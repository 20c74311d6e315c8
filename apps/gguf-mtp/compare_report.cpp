#include "compare_report.h"

#include <algorithm>
#include <cstdio>

namespace gguf_mtp {
namespace {

using nlohmann::json;

std::string shape_text(const std::array<uint64_t, gguf::kMaxDims>& ne) {
    gguf::TensorInfo t;
    t.ne = ne;
    t.n_dims = t.significant_dims();
    return t.shape_text();
}

std::string type_name(gguf::TensorType type) { return std::string(gguf::type_display_name(type)); }

std::string number(const char* format, double value) {
    char text[32];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

// rel_rms [w_rel_rms] cosine max_abs, in fixed-width columns.
std::string measures_text(const gguf::ErrorStats& s, bool weighted) {
    std::string line = number("%10.3e", s.relative_rms());
    if (weighted) line += " " + number("%10.3e", s.weighted_relative_rms());
    return line + " " + number("%9.6f", s.cosine()) + " " + number("%10.3e", s.max_abs_error);
}

std::string measures_heading(bool weighted) {
    return std::string("   rel_rms") + (weighted ? "  w_rel_rms" : "") + "    cosine    max_abs";
}

json stats_json(const gguf::ErrorStats& s, bool weighted) {
    json j = {{"values", s.values},
              {"non_finite", s.non_finite},
              {"relative_rms", s.relative_rms()},
              {"cosine", s.cosine()},
              {"max_abs_error", s.max_abs_error},
              {"reference_energy", s.reference_energy},
              {"error_energy", s.error_energy}};
    if (weighted) {
        j["weighted_relative_rms"] = s.weighted_relative_rms();
        j["weighted_reference_energy"] = s.weighted_reference;
        j["weighted_error_energy"] = s.weighted_error;
    }
    return j;
}

json group_json(const gguf::GroupComparison& g, bool weighted) {
    json j = stats_json(g.stats, weighted);
    j["tensors"] = g.tensors;
    return j;
}

json notes_json(const std::vector<gguf::TensorNote>& notes) {
    json out = json::array();
    for (const auto& n : notes) out.push_back({{"name", n.name}, {"reason", n.reason}});
    return out;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

void print_notes(const char* heading, const std::vector<gguf::TensorNote>& notes) {
    if (notes.empty()) return;
    std::printf("\n%s (%zu):\n", heading, notes.size());
    for (const auto& n : notes) std::printf("  %s: %s\n", n.name.c_str(), n.reason.c_str());
}

}  // namespace

double judged_error(const gguf::TensorComparison& t, const CompareRequest& request) {
    return request.imatrix ? t.stats.weighted_relative_rms() : t.stats.relative_rms();
}

std::vector<std::string> tensors_above(const gguf::CompareResult& result, const CompareRequest& request) {
    std::vector<std::string> out;
    if (!request.fail_above) return out;
    for (const auto& t : result.tensors) {
        if (judged_error(t, request) > *request.fail_above) out.push_back(t.name);
    }
    return out;
}

void print_compare_text(const gguf::CompareResult& result, const CompareRequest& request) {
    const bool weighted = request.imatrix.has_value();
    std::printf("reference: %s\nother:     %s\n", request.reference.c_str(), request.other.c_str());
    if (request.sample_rows) std::printf("rows:      %llu sampled per tensor\n", static_cast<unsigned long long>(request.sample_rows));
    else std::printf("rows:      every row\n");
    if (weighted) std::printf("imatrix:   %s\n", request.imatrix->c_str());

    int width = 6;
    for (const auto& t : result.tensors) width = std::max(width, static_cast<int>(t.name.size()));
    std::printf("\n%-*s %-7s %-7s %-10s %14s %s\n", width, "tensor", "ref", "other", "role", "rows", measures_heading(weighted).c_str());
    for (const auto& t : result.tensors) {
        std::string rows = std::to_string(t.rows);
        if (t.rows_measured != t.rows) rows = std::to_string(t.rows_measured) + "/" + rows;
        std::printf("%-*s %-7s %-7s %-10s %14s %s\n", width, t.name.c_str(), type_name(t.reference_type).c_str(),
                    type_name(t.other_type).c_str(), std::string(gguf::tensor_role_name(t.role)).c_str(), rows.c_str(),
                    measures_text(t.stats, weighted).c_str());
    }

    std::printf("\n%-12s %7s %s\n", "role", "tensors", measures_heading(weighted).c_str());
    for (int r = 0; r < gguf::kTensorRoleCount; ++r) {
        const auto& g = result.by_role[r];
        if (g.tensors == 0) continue;
        std::printf("%-12s %7zu %s\n", std::string(gguf::tensor_role_name(static_cast<gguf::TensorRole>(r))).c_str(), g.tensors,
                    measures_text(g.stats, weighted).c_str());
    }
    std::printf("\n%-12s %7s %s\n", "block", "tensors", measures_heading(weighted).c_str());
    for (const auto& [block, g] : result.by_block) {
        std::printf("%-12s %7zu %s\n", ("blk." + std::to_string(block)).c_str(), g.tensors, measures_text(g.stats, weighted).c_str());
    }
    std::printf("\n%-12s %7zu %s\n", "total", result.total.tensors, measures_text(result.total.stats, weighted).c_str());
    if (result.total.stats.non_finite) {
        std::printf("(%llu value pairs with NaN or Inf left out)\n", static_cast<unsigned long long>(result.total.stats.non_finite));
    }

    if (!result.only_in_reference.empty()) {
        std::printf("\nonly in the reference (%zu): %s\n", result.only_in_reference.size(), joined(result.only_in_reference).c_str());
    }
    if (!result.only_in_other.empty()) {
        std::printf("\nonly in the other (%zu): %s\n", result.only_in_other.size(), joined(result.only_in_other).c_str());
    }
    if (!result.shape_mismatches.empty()) {
        std::printf("\nshapes differ (%zu):\n", result.shape_mismatches.size());
        for (const auto& m : result.shape_mismatches) {
            std::printf("  %s: %s in the reference, %s in the other\n", m.name.c_str(), shape_text(m.reference_ne).c_str(),
                        shape_text(m.other_ne).c_str());
        }
    }
    print_notes("skipped", result.skipped);
    print_notes("measured without importance weights", result.unweighted);
    if (request.fail_above) {
        const auto above = tensors_above(result, request);
        const char* measure = weighted ? "weighted relative RMS error" : "relative RMS error";
        if (above.empty()) std::printf("\nno tensor's %s is above %g\n", measure, *request.fail_above);
        else std::printf("\n%s above %g (%zu): %s\n", measure, *request.fail_above, above.size(), joined(above).c_str());
    }
}

json compare_json(const gguf::CompareResult& result, const CompareRequest& request) {
    const bool weighted = request.imatrix.has_value();
    json doc;
    doc["schema"] = "gguf-mtp-compare/1";
    doc["reference"] = request.reference;
    doc["other"] = request.other;
    doc["imatrix"] = request.imatrix ? json(*request.imatrix) : json(nullptr);
    doc["sample_rows"] = request.sample_rows;
    doc["bytes_read"] = result.bytes_read;
    doc["tensors"] = json::array();
    for (const auto& t : result.tensors) {
        json j = stats_json(t.stats, weighted);
        j["name"] = t.name;
        j["role"] = gguf::tensor_role_name(t.role);
        j["block"] = t.block < 0 ? json(nullptr) : json(t.block);
        j["reference_type"] = type_name(t.reference_type);
        j["other_type"] = type_name(t.other_type);
        j["shape"] = json::array();
        for (uint64_t d : t.ne) j["shape"].push_back(d);
        j["rows"] = t.rows;
        j["rows_measured"] = t.rows_measured;
        if (weighted) j["weighted"] = t.weighted;
        doc["tensors"].push_back(std::move(j));
    }
    doc["by_role"] = json::object();
    for (int r = 0; r < gguf::kTensorRoleCount; ++r) {
        if (result.by_role[r].tensors == 0) continue;
        doc["by_role"][std::string(gguf::tensor_role_name(static_cast<gguf::TensorRole>(r)))] = group_json(result.by_role[r], weighted);
    }
    doc["by_block"] = json::array();
    for (const auto& [block, g] : result.by_block) {
        json j = group_json(g, weighted);
        j["block"] = block;
        doc["by_block"].push_back(std::move(j));
    }
    doc["total"] = group_json(result.total, weighted);
    doc["only_in_reference"] = result.only_in_reference;
    doc["only_in_other"] = result.only_in_other;
    doc["shape_mismatches"] = json::array();
    for (const auto& m : result.shape_mismatches) {
        doc["shape_mismatches"].push_back({{"name", m.name}, {"reference_shape", m.reference_ne}, {"other_shape", m.other_ne}});
    }
    doc["skipped"] = notes_json(result.skipped);
    doc["unweighted"] = notes_json(result.unweighted);
    doc["fail_above"] = request.fail_above ? json(*request.fail_above) : json(nullptr);
    doc["above"] = tensors_above(result, request);
    return doc;
}

}  // namespace gguf_mtp
