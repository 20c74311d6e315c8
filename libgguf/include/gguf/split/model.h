// A model: one GGUF file, or a complete split set opened through any shard.
//
// Opening a shard opens the whole set and checks that it is complete and
// consistent: every shard present, split.no / split.count / split.tensors.count
// agreeing with the names and the tensors found, no tensor name twice.
// Tensors are listed in set order (shard 1's, then shard 2's, ...).
//
// Thread safety: an open Model is immutable; its const methods may run on
// many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "gguf/error.h"
#include "gguf/format/gguf_file.h"

namespace gguf {

struct TensorRef {
    uint32_t shard = 0;
    uint32_t index = 0;  // within the shard
};

class Model {
public:
    // OpenFor::header: see GgufFile::open; data() must not be called then.
    // A URL's shards are found by the same naming pattern, on the same server.
    static Result<Model> open(const std::string& path, OpenFor purpose = OpenFor::data, const ReadOptions& options = {});

    // The set's metadata: the first shard's key/values, split keys included.
    const Metadata& metadata() const { return shards_.front()->metadata(); }
    const std::string& path() const { return shards_.front()->path(); }
    uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }
    const GgufFile& shard(uint32_t i) const { return *shards_[i]; }
    bool is_split() const { return shards_.size() > 1; }

    const std::vector<TensorRef>& tensors() const { return tensors_; }
    const TensorInfo& info(TensorRef ref) const { return shards_[ref.shard]->tensors()[ref.index]; }
    std::span<const uint8_t> data(TensorRef ref) const { return shards_[ref.shard]->tensor_data(ref.index); }
    std::optional<TensorRef> find(std::string_view name) const;

    uint64_t total_tensor_bytes() const;
    uint64_t total_file_bytes() const;
    std::vector<std::string> paths() const;
    std::vector<FileIdentity> identities() const;

private:
    std::vector<std::unique_ptr<GgufFile>> shards_;
    std::vector<TensorRef> tensors_;
    std::unordered_map<std::string, TensorRef> by_name_;
};

}  // namespace gguf
