// A set that does not open is examined file by file, so that one run lists
// every damaged tensor extent, every missing shard and every inconsistent
// split key, not only the first that stopped Model::open.
#include <algorithm>
#include <map>
#include <optional>

#include "../format/data_extents.h"
#include "../io/mapped_file.h"
#include "../split/split_keys.h"
#include "checks.h"
#include "gguf/split/split_naming.h"

namespace gguf::detail {
namespace {

void add_error(VerifyReport& report, Check check, Error error) {
    report.findings.push_back(make_finding(check, Severity::error, std::move(error)));
}

// The size the header implies: the end of the last tensor's data.
uint64_t expected_size(const GgufHeader& header) {
    uint64_t end = header.data_offset;
    for (const auto& t : header.tensors) end = std::max(end, header.data_offset + t.offset + t.n_bytes);
    return end;
}

// The header of one file, with its extent problems reported; nullopt when
// the file cannot be read or its header does not parse.
std::optional<GgufHeader> examine_file(const std::string& path, std::optional<Dialect> dialect, VerifyReport& report) {
    auto map = MappedFile::open(path);
    if (!map) {
        add_error(report, Check::file, map.error());
        return std::nullopt;
    }
    auto header = parse_header_layout((*map)->bytes(), (*map)->size(), path, {}, dialect);
    if (!header) {
        add_error(report, Check::file, header.error());
        return std::nullopt;
    }
    report.tensors += header->tensors.size();
    for (const auto& t : header->tensors) report.tensor_bytes += t.n_bytes;
    // A truncated file would list every tensor after the cut: the first one
    // is reported, the others counted in one line.
    size_t past_end = 0;
    std::string first_past_end;
    for (auto& problem : data_extent_problems(*header, (*map)->size(), path, dialect)) {
        if (problem.error.code == ErrorCode::truncated && past_end++ > 0) continue;
        if (problem.error.code == ErrorCode::truncated) first_past_end = problem.tensor;
        report.findings.push_back(make_finding(Check::data_extents, Severity::error, std::move(problem.error), problem.tensor));
    }
    if (past_end > 1) {
        add_error(report, Check::data_extents,
                  Error{ErrorCode::truncated, path, (*map)->size(),
                        std::to_string(past_end - 1) + " more tensors after '" + first_past_end +
                            "' extend past the end of the file (expected " + std::to_string(expected_size(*header)) + " bytes, found " +
                            std::to_string((*map)->size()) + ")"});
    }
    return std::move(*header);
}

void check_set(const std::string& set_path, const SplitName& name, std::vector<std::optional<GgufHeader>>& shards,
               VerifyReport& report) {
    std::map<std::string, std::string> owner;  // tensor name -> shard path
    uint64_t tensors = 0;
    bool complete = true;
    for (uint32_t i = 0; i < name.count; ++i) {
        const std::string path = split_path(name.prefix, i, name.count);
        if (!shards[i]) {
            complete = false;
            continue;
        }
        auto keys_ok = check_shard_keys(shards[i]->metadata, path, i, name.count);
        if (!keys_ok) add_error(report, Check::split_set, keys_ok.error());
        for (const auto& t : shards[i]->tensors) {
            ++tensors;
            auto [it, inserted] = owner.emplace(t.name, path);
            if (!inserted) {
                report.findings.push_back(make_finding(Check::split_set, Severity::error,
                                                       tensor_in_two_shards(path, t.name, it->second), t.name));
            }
        }
    }
    if (!complete || !shards[0]) return;
    auto count_ok = check_tensor_count(shards[0]->metadata, set_path, tensors);
    if (!count_ok) add_error(report, Check::split_set, count_ok.error());
}

}  // namespace

void diagnose_unopenable(const std::string& path, std::optional<Dialect> dialect, VerifyReport& report) {
    auto first = examine_file(path, dialect, report);
    if (!first) {
        report.files.push_back(path);
        return;
    }
    auto declared = declared_split_count(first->metadata, path);
    if (!declared) add_error(report, Check::split_set, declared.error());
    if (!declared || *declared <= 1) {
        report.files.push_back(path);
        return;
    }
    auto name = shard_name(path, *declared);
    if (!name) {
        add_error(report, Check::split_set, name.error());
        report.files.push_back(path);
        return;
    }
    std::vector<std::optional<GgufHeader>> shards(name->count);
    shards[name->index] = std::move(first);
    for (uint32_t i = 0; i < name->count; ++i) {
        const std::string shard_path = split_path(name->prefix, i, name->count);
        if (i != name->index) {
            if (!identity_of(shard_path)) {
                add_error(report, Check::split_set, missing_shard(shard_path, i, name->count, path));
                continue;
            }
            shards[i] = examine_file(shard_path, dialect, report);
        }
        report.files.push_back(shard_path);
    }
    check_set(path, *name, shards, report);
}

}  // namespace gguf::detail
