#include "gguf/model.h"

#include "gguf/split_naming.h"

namespace gguf {
namespace {

// split.count of a file, 0 when the key is absent (a single file).
Result<uint32_t> declared_split_count(const GgufFile& f) {
    const Value* v = f.metadata().find(keys::kSplitCount);
    if (!v) return 0u;
    auto n = v->as_uint();
    if (!n || *n > 99999) return fail(ErrorCode::bad_format, f.path(), "split.count is not a shard count: " + v->to_display());
    return static_cast<uint32_t>(*n);
}

Status check_shard_keys(const GgufFile& f, uint32_t index, uint32_t count) {
    const Metadata& m = f.metadata();
    auto no = m.get_uint(keys::kSplitNo);
    if (!no || *no != index) {
        return fail(ErrorCode::mismatch, f.path(), "split.no is " + (no ? std::to_string(*no) : std::string("missing")) +
                                                       ", expected " + std::to_string(index) + " for shard " +
                                                       std::to_string(index + 1) + " of " + std::to_string(count));
    }
    auto n = m.get_uint(keys::kSplitCount);
    if (!n || *n != count) {
        return fail(ErrorCode::mismatch, f.path(), "split.count is " + (n ? std::to_string(*n) : std::string("missing")) +
                                                       ", expected " + std::to_string(count) + " as in the file names");
    }
    return {};
}

}  // namespace

Result<Model> Model::open(const std::string& path) {
    auto first = GgufFile::open(path);
    if (!first) return std::unexpected(first.error());
    auto declared = declared_split_count(*first);
    if (!declared) return std::unexpected(declared.error());

    Model model;
    if (*declared <= 1) {
        model.shards_.push_back(std::make_unique<GgufFile>(std::move(*first)));
    } else {
        auto name = parse_split_path(path);
        if (!name) {
            return fail(ErrorCode::invalid_argument, path, "file declares split.count " + std::to_string(*declared) +
                                                               " but its name is not of the form PREFIX-0000N-of-0000M.gguf");
        }
        if (name->count != *declared) {
            return fail(ErrorCode::mismatch, path, "file name says " + std::to_string(name->count) +
                                                       " shards but split.count is " + std::to_string(*declared));
        }
        for (uint32_t i = 0; i < name->count; ++i) {
            if (i == name->index) {
                model.shards_.push_back(std::make_unique<GgufFile>(std::move(*first)));
                continue;
            }
            const std::string shard_path = split_path(name->prefix, i, name->count);
            if (!identity_of(shard_path)) {
                return fail(ErrorCode::not_found, shard_path, "shard " + std::to_string(i + 1) + " of " +
                                                                  std::to_string(name->count) + " is missing (split set of " + path + ")");
            }
            auto shard = GgufFile::open(shard_path);
            if (!shard) return std::unexpected(shard.error());
            model.shards_.push_back(std::make_unique<GgufFile>(std::move(*shard)));
        }
        for (uint32_t i = 0; i < name->count; ++i) {
            auto ok = check_shard_keys(*model.shards_[i], i, name->count);
            if (!ok) return std::unexpected(ok.error());
        }
    }

    for (uint32_t s = 0; s < model.shards_.size(); ++s) {
        const auto& tensors = model.shards_[s]->tensors();
        for (uint32_t i = 0; i < tensors.size(); ++i) {
            TensorRef ref{s, i};
            auto [it, inserted] = model.by_name_.emplace(tensors[i].name, ref);
            if (!inserted) {
                return fail(ErrorCode::bad_format, model.shards_[s]->path(),
                            "tensor '" + tensors[i].name + "' also appears in " + model.shards_[it->second.shard]->path());
            }
            model.tensors_.push_back(ref);
        }
    }
    if (model.is_split()) {
        auto expected = model.metadata().get_uint(keys::kSplitTensorsCount);
        if (!expected || *expected != model.tensors_.size()) {
            return fail(ErrorCode::mismatch, path, "split.tensors.count is " + (expected ? std::to_string(*expected) : std::string("missing")) +
                                                       " but the shards hold " + std::to_string(model.tensors_.size()) + " tensors");
        }
    }
    return model;
}

std::optional<TensorRef> Model::find(std::string_view name) const {
    auto it = by_name_.find(std::string(name));
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
}

uint64_t Model::total_tensor_bytes() const {
    uint64_t total = 0;
    for (auto ref : tensors_) total += info(ref).n_bytes;
    return total;
}

uint64_t Model::total_file_bytes() const {
    uint64_t total = 0;
    for (const auto& s : shards_) total += s->file_size();
    return total;
}

std::vector<std::string> Model::paths() const {
    std::vector<std::string> out;
    for (const auto& s : shards_) out.push_back(s->path());
    return out;
}

std::vector<FileIdentity> Model::identities() const {
    std::vector<FileIdentity> out;
    for (const auto& s : shards_) out.push_back(s->identity());
    return out;
}

}  // namespace gguf
