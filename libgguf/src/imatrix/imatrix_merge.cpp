// Combining imatrix files as llama-imatrix combines its --in-file inputs,
// so that its output and ours agree value for value: sums are float and
// accumulate in input order, counts are integers.
#include <algorithm>

#include "gguf/imatrix/imatrix.h"

namespace gguf {
namespace {

Status add_legacy(ImatrixEntry& into, const ImatrixEntry& e, int32_t chunk_size, const std::string& name, const std::string& file) {
    // .dat values are (sum / count) * ncall; times the chunk size they are
    // raw sums again, over ncall * chunk_size tokens.
    if (into.sums.empty()) into = {std::vector<float>(e.sums.size(), 0.0f), {0}};
    if (into.sums.size() != e.sums.size()) {
        return fail(ErrorCode::mismatch, file, "entry '" + name + "' has " + std::to_string(e.sums.size()) + " values, earlier inputs " +
                                                   std::to_string(into.sums.size()));
    }
    for (size_t i = 0; i < e.sums.size(); ++i) into.sums[i] += e.sums[i] * static_cast<float>(chunk_size);
    for (auto& c : into.counts) c += e.counts[0] * chunk_size;
    return {};
}

Status add_gguf(ImatrixEntry& into, const ImatrixEntry& e, const std::string& name, const std::string& file) {
    if (into.sums.empty()) into.sums.assign(e.sums.size(), 0.0f);
    if (into.sums.size() != e.sums.size()) {
        return fail(ErrorCode::mismatch, file, "entry '" + name + "' has " + std::to_string(e.sums.size()) + " values, earlier inputs " +
                                                   std::to_string(into.sums.size()));
    }
    if (into.counts.empty()) {
        into.counts.assign(e.counts.size(), 0);
    } else if (into.counts.size() == 1 && e.counts.size() > 1) {
        into.counts.assign(e.counts.size(), into.counts[0]);  // one count so far: it held for every expert
    } else if (into.counts.size() != e.counts.size()) {
        return fail(ErrorCode::mismatch, file, "entry '" + name + "' has " + std::to_string(e.counts.size()) + " counts, earlier inputs " +
                                                   std::to_string(into.counts.size()));
    }
    for (size_t i = 0; i < e.sums.size(); ++i) into.sums[i] += e.sums[i];
    for (size_t j = 0; j < e.counts.size(); ++j) into.counts[j] += e.counts[j];
    return {};
}

}  // namespace

Result<Imatrix> merge_imatrices(std::span<const Imatrix> inputs, std::span<const std::string> names, int32_t chunk_size) {
    if (chunk_size < 1) return fail(ErrorCode::invalid_argument, "", "the chunk size must be at least 1, not " + std::to_string(chunk_size));
    Imatrix out;
    out.has_metadata = true;
    out.chunk_size = chunk_size;
    for (size_t k = 0; k < inputs.size(); ++k) {
        const Imatrix& in = inputs[k];
        const std::string& file = k < names.size() ? names[k] : std::string();
        for (const auto& [name, e] : in.entries) {
            ImatrixEntry& into = out.entries[name];
            auto ok = in.legacy ? add_legacy(into, e, chunk_size, name, file) : add_gguf(into, e, name, file);
            if (!ok) return std::unexpected(ok.error());
        }
        out.datasets.insert(out.datasets.end(), in.datasets.begin(), in.datasets.end());
    }
    int64_t most = 0;
    for (const auto& [name, e] : out.entries) {
        for (int64_t c : e.counts) most = std::max(most, c);
    }
    out.chunk_count = static_cast<int32_t>(most / chunk_size);
    return out;
}

}  // namespace gguf
