#include "gguf/quant/provenance.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/io/content_hash.h"

namespace gguf {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "gguf-mtp provenance 1";
// Small enough to stay in the cache between the read and the hash, and to
// come from the heap's free memory rather than fresh pages.
constexpr uint64_t kDigestPiece = uint64_t(256) << 10;

// Feeds a tensor's bytes to `hash`, read in pieces through the file's seam
// (mapped, streamed or remote alike) into a buffer left uninitialized: every
// byte hashed was read first.
Status feed_tensor(const GgufFile& file, size_t index, ContentHash& hash) {
    const uint64_t n = file.tensors()[index].n_bytes;
    const auto size = static_cast<size_t>(std::min(n, kDigestPiece));
    const auto buffer = std::make_unique_for_overwrite<uint8_t[]>(size);
    const std::span piece(buffer.get(), size);
    for (uint64_t done = 0; done < n;) {
        const auto take = static_cast<size_t>(std::min<uint64_t>(size, n - done));
        auto got = file.read_tensor_data(index, done, piece.first(take));
        if (!got) return got;
        hash.update(piece.first(take));
        done += take;
    }
    return {};
}

template <typename T>
std::span<const uint8_t> bytes_of(std::span<const T> values) {
    return {reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()};
}

Result<TensorProvenance> entry_from_json(const json& j, const std::string& path, const std::string& name) {
    auto bad = [&](const std::string& what) {
        return fail(ErrorCode::bad_format, path, "tensor '" + name + "': " + what);
    };
    if (!j.is_object()) return bad("expected an object");
    for (const char* field : {"source", "importance", "type", "release", "output"}) {
        if (!j.contains(field) || !j[field].is_string()) return bad(std::string("expected the string field '") + field + "'");
    }
    if (!j.contains("kernels") || !j["kernels"].is_number_unsigned()) return bad("expected the number field 'kernels'");
    if (!j.contains("seconds") || !j["seconds"].is_number()) return bad("expected the number field 'seconds'");
    auto type = type_from_name(j["type"].get<std::string>());
    if (!type) return bad("unknown type '" + j["type"].get<std::string>() + "'");
    auto release = parse_llama_release(j["release"].get<std::string>());
    if (!release) return bad("unknown release '" + j["release"].get<std::string>() + "'");
    TensorProvenance p;
    p.recipe.source = j["source"];
    p.recipe.importance = j["importance"];
    p.recipe.target = *type;
    p.recipe.release = *release;
    p.recipe.kernels = j["kernels"];
    p.output = j["output"];
    p.seconds = j["seconds"];
    return p;
}

}  // namespace

std::string provenance_path(const std::string& output_file) { return output_file + kProvenanceSuffix; }

Result<ProvenanceRecord> read_provenance(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(ErrorCode::io, path, "cannot read the provenance record");
    std::stringstream text;
    text << in.rdbuf();
    json j = json::parse(text.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("format", json()) != kFormat || !j.value("tensors", json()).is_object()) {
        return fail(ErrorCode::bad_format, path, std::string("expected a provenance record (\"format\": \"") + kFormat + "\")");
    }
    ProvenanceRecord record;
    for (const auto& [name, entry] : j["tensors"].items()) {
        auto p = entry_from_json(entry, path, name);
        if (!p) return std::unexpected(p.error());
        record.tensors.emplace(name, std::move(*p));
    }
    return record;
}

std::string provenance_text(const ProvenanceRecord& record) {
    json tensors = json::object();
    for (const auto& [name, p] : record.tensors) {
        tensors[name] = {{"source", p.recipe.source},
                         {"importance", p.recipe.importance},
                         {"type", std::string(type_display_name(p.recipe.target))},
                         {"release", std::string(rules_of(p.recipe.release).name)},
                         {"kernels", p.recipe.kernels},
                         {"output", p.output},
                         {"seconds", p.seconds}};
    }
    const json j = {{"format", kFormat}, {"tensors", tensors}};
    return j.dump(1) + "\n";
}

Result<std::string> tensor_digest(const GgufFile& file, size_t tensor_index) {
    ContentHash hash;
    if (auto fed = feed_tensor(file, tensor_index, hash); !fed) return std::unexpected(fed.error());
    return hash.hex();
}

std::string importance_digest(std::span<const float> weights) {
    return weights.empty() ? std::string() : content_hash(bytes_of(weights));
}

Result<TensorRecipe> recipe_of(const TransformSource& source) {
    const GgufFile& file = *source.input.file;
    const TensorInfo& info = file.tensors()[source.input.tensor_index];
    ContentHash hash;
    // Type and shape first: the same bytes read as another type or shape are
    // another source.
    const uint64_t shape[] = {static_cast<uint64_t>(info.type), info.ne[0], info.ne[1], info.ne[2], info.ne[3]};
    hash.update(bytes_of(std::span<const uint64_t>(shape)));
    if (auto fed = feed_tensor(file, source.input.tensor_index, hash); !fed) return std::unexpected(fed.error());
    TensorRecipe recipe;
    recipe.source = hash.hex();
    recipe.importance = importance_digest(source.importance);
    recipe.target = source.target;
    recipe.release = source.release;
    return recipe;
}

ProvenanceRecorder::ProvenanceRecorder(TensorTransformer& inner, const Plan& plan, ProvenanceRecord carried, unsigned digests_at_once)
    : inner_(inner), digests_at_once_(std::max(1u, digests_at_once)), record_(std::move(carried)) {
    for (const auto& t : plan.tensors) {
        if (const auto* transform = std::get_if<TransformSource>(&t.source)) {
            positions_.emplace(transform, sources_.size());
            sources_.emplace_back(transform, t.info.name);
        }
    }
    digests_.resize(sources_.size());
}

void ProvenanceRecorder::start_digests(size_t position) {
    // Each source's pages are read twice either way (here and to quantize);
    // read beside the quantizing, the second read costs no time of its own.
    const size_t end = std::min(sources_.size(), position + digests_at_once_);
    for (size_t k = position; k < end; ++k) {
        if (!digests_[k].valid()) digests_[k] = std::async(std::launch::async, [source = sources_[k].first] { return recipe_of(*source); });
    }
}

Status ProvenanceRecorder::transform(const TransformSource& source, const ByteSink& sink) {
    const auto known = positions_.find(&source);
    if (known == positions_.end()) return inner_.transform(source, sink);
    const size_t position = known->second;
    ContentHash output;
    const ByteSink hashing_sink = [&](std::span<const uint8_t> piece) {
        output.update(piece);
        return sink(piece);
    };
    start_digests(position);
    const auto start = std::chrono::steady_clock::now();
    if (auto done = inner_.transform(source, hashing_sink); !done) return done;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto recipe = digests_[position].get();
    if (!recipe) return std::unexpected(recipe.error());
    record_.tensors[sources_[position].second] = {std::move(*recipe), output.hex(), seconds};
    return {};
}

}  // namespace gguf
