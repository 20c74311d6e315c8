#include "imatrix_reports.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "gguf/imatrix/imatrix.h"
#include "gguf/quant/imatrix_coverage.h"

namespace gguf_mtp {
namespace {

using nlohmann::json;

void print_json(const json& doc) { std::cout << doc.dump(2, ' ', false, json::error_handler_t::replace) << '\n'; }

std::vector<uint32_t> zero_count_matrices(const gguf::ImatrixEntry& e) {
    std::vector<uint32_t> out;
    for (size_t j = 0; j < e.counts.size(); ++j) {
        if (e.counts[j] == 0) out.push_back(static_cast<uint32_t>(j));
    }
    return out;
}

std::string join_numbers(const std::vector<uint32_t>& numbers) {
    std::string s;
    for (auto n : numbers) s += (s.empty() ? "" : ",") + std::to_string(n);
    return s;
}

json info_json(const std::string& path, const gguf::Imatrix& m) {
    json entries = json::array();
    for (const auto& [name, e] : m.entries) {
        entries.push_back({{"name", name},
                           {"values", e.sums.size()},
                           {"matrices", e.counts.size()},
                           {"counts", e.counts},
                           {"zero_count_matrices", zero_count_matrices(e)}});
    }
    return {{"schema", "gguf-mtp-imatrix-info/1"},
            {"file", path},
            {"format", m.legacy ? "dat" : "gguf"},
            {"datasets", m.datasets},
            {"chunk_count", m.chunk_count},
            {"chunk_size", m.legacy ? json(nullptr) : json(m.chunk_size)},
            {"has_metadata", m.legacy || m.has_metadata},
            {"entries", std::move(entries)}};
}

void print_info_text(const std::string& path, const gguf::Imatrix& m) {
    std::printf("file:      %s\n", path.c_str());
    std::printf("format:    %s\n", m.legacy ? "dat (legacy; counts are call counts)" : "gguf (counts are tokens)");
    std::string datasets;
    for (const auto& d : m.datasets) datasets += (datasets.empty() ? "" : ", ") + d;
    std::printf("datasets:  %s\n", datasets.empty() ? "(none)" : datasets.c_str());
    if (m.legacy) {
        std::printf("chunks:    %d\n", m.chunk_count);
    } else {
        std::printf("chunks:    %d of %d tokens%s\n", m.chunk_count, m.chunk_size,
                    m.has_metadata ? "" : " (imatrix.* keys missing: llama-quantize refuses this file)");
    }
    std::printf("entries:   %zu\n", m.entries.size());
    std::printf("  %-48s %10s %8s %12s %12s  %s\n", "name", "values", "matrices", "min count", "max count", "zero-count matrices");
    for (const auto& [name, e] : m.entries) {
        const auto [low, high] = std::ranges::minmax(e.counts);
        std::printf("  %-48s %10zu %8zu %12lld %12lld  %s\n", name.c_str(), e.sums.size(), e.counts.size(), static_cast<long long>(low),
                    static_cast<long long>(high), join_numbers(zero_count_matrices(e)).c_str());
    }
}

json coverage_json(const gguf::Model& model, const std::string& imatrix_path, const gguf::ImatrixCoverage& c) {
    json findings = json::array();
    for (const auto& f : c.findings) {
        json item = {{"tensor", f.tensor},
                     {"problem", gguf::coverage_problem_name(f.problem)},
                     {"mtp", f.mtp},
                     {"expected_values", f.expected_values},
                     {"found_values", f.found_values}};
        if (f.problem == gguf::CoverageProblem::zero_counts) {
            item["matrices"] = f.matrices;
            item["zero_count_matrices"] = f.zero_matrices;
        }
        findings.push_back(std::move(item));
    }
    return {{"schema", "gguf-mtp-imatrix-coverage/1"},
            {"model", model.path()},
            {"imatrix", imatrix_path},
            {"quantizable", c.quantizable},
            {"covered", c.covered},
            {"mtp_quantizable", c.mtp_quantizable},
            {"missing", c.count(gguf::CoverageProblem::missing)},
            {"wrong_size", c.count(gguf::CoverageProblem::wrong_size)},
            {"zero_counts", c.count(gguf::CoverageProblem::zero_counts)},
            {"findings", std::move(findings)},
            {"unused_entries", c.unused_entries}};
}

void print_coverage_text(const gguf::ImatrixCoverage& c) {
    std::printf("%zu of %zu quantizable tensors have an entry of the right size (%zu in MTP blocks)\n", c.covered, c.quantizable,
                c.mtp_quantizable);
    std::printf("missing %zu, wrong size %zu, experts never routed to in %zu, unused entries %zu\n",
                c.count(gguf::CoverageProblem::missing), c.count(gguf::CoverageProblem::wrong_size),
                c.count(gguf::CoverageProblem::zero_counts), c.unused_entries.size());
    for (const auto& f : c.findings) {
        std::string detail;
        switch (f.problem) {
            case gguf::CoverageProblem::missing: detail = "no entry"; break;
            case gguf::CoverageProblem::wrong_size:
                detail = std::to_string(f.found_values) + " values, the tensor needs " + std::to_string(f.expected_values);
                break;
            case gguf::CoverageProblem::zero_counts:
                detail = std::to_string(f.zero_matrices.size()) + " of " + std::to_string(f.matrices) + " matrices with count 0: " +
                         join_numbers(f.zero_matrices);
                break;
        }
        std::printf("  %-11s %-48s %s%s\n", std::string(gguf::coverage_problem_name(f.problem)).c_str(), f.tensor.c_str(),
                    f.mtp ? "[mtp] " : "", detail.c_str());
    }
    for (const auto& name : c.unused_entries) std::printf("  %-11s %-48s no such tensor in the model\n", "unused", name.c_str());
}

}  // namespace

int run_imatrix_info(const ImatrixInfoOptions& o) {
    auto m = gguf::read_imatrix(o.path);
    if (!m) return report_error(m.error());
    if (o.json) {
        print_json(info_json(o.path, *m));
    } else {
        print_info_text(o.path, *m);
    }
    return 0;
}

int run_imatrix_coverage(const ImatrixCoverageOptions& o) {
    // Coverage reads the model's tensor list only.
    auto model = open_model(o.model, gguf::OpenFor::header, o.remote, o.dialect);
    if (!model) return report_error(model.error());
    auto m = gguf::read_imatrix(o.imatrix);
    if (!m) return report_error(m.error());
    auto coverage = gguf::imatrix_coverage(*model, *m);
    if (!coverage) return report_error(coverage.error());
    if (o.json) {
        print_json(coverage_json(*model, o.imatrix, *coverage));
    } else {
        print_coverage_text(*coverage);
    }
    const bool incomplete = coverage->covered < coverage->quantizable;
    return o.fail_on_missing && incomplete ? kExitError : 0;
}

}  // namespace gguf_mtp
