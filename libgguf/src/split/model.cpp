#include "gguf/split/model.h"

#include "gguf/split/split_naming.h"
#include "split_keys.h"

namespace gguf {

Result<Model> Model::open(const std::string& path, OpenFor purpose, const ReadOptions& options) {
    auto first = GgufFile::open(path, purpose, options);
    if (!first) return std::unexpected(first.error());
    auto declared = detail::declared_split_count(first->metadata(), first->path());
    if (!declared) return std::unexpected(declared.error());

    Model model;
    if (*declared <= 1) {
        model.shards_.push_back(std::make_unique<GgufFile>(std::move(*first)));
    } else {
        auto name = detail::shard_name(path, *declared);
        if (!name) return std::unexpected(name.error());
        for (uint32_t i = 0; i < name->count; ++i) {
            if (i == name->index) {
                model.shards_.push_back(std::make_unique<GgufFile>(std::move(*first)));
                continue;
            }
            const std::string shard_path = split_path(name->prefix, i, name->count);
            if (!is_remote(shard_path) && !identity_of(shard_path)) return std::unexpected(detail::missing_shard(shard_path, i, name->count, path));
            auto shard = GgufFile::open(shard_path, purpose, options);
            if (!shard && shard.error().code == ErrorCode::not_found) return std::unexpected(detail::missing_shard(shard_path, i, name->count, path));
            if (!shard) return std::unexpected(shard.error());
            model.shards_.push_back(std::make_unique<GgufFile>(std::move(*shard)));
        }
        for (uint32_t i = 0; i < name->count; ++i) {
            auto ok = detail::check_shard_keys(model.shards_[i]->metadata(), model.shards_[i]->path(), i, name->count);
            if (!ok) return std::unexpected(ok.error());
        }
    }

    for (uint32_t s = 0; s < model.shards_.size(); ++s) {
        const auto& tensors = model.shards_[s]->tensors();
        for (uint32_t i = 0; i < tensors.size(); ++i) {
            TensorRef ref{s, i};
            auto [it, inserted] = model.by_name_.emplace(tensors[i].name, ref);
            if (!inserted) {
                return std::unexpected(detail::tensor_in_two_shards(model.shards_[s]->path(), tensors[i].name,
                                                                    model.shards_[it->second.shard]->path()));
            }
            model.tensors_.push_back(ref);
        }
    }
    if (model.is_split()) {
        auto ok = detail::check_tensor_count(model.metadata(), path, model.tensors_.size());
        if (!ok) return std::unexpected(ok.error());
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
