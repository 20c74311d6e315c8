// The split.* keys of one shard, checked the same way by Model::open (which
// stops at the first problem) and by verify (which reports them all).
#pragma once

#include <cstdint>

#include <string>

#include "gguf/error.h"
#include "gguf/format/metadata.h"
#include "gguf/split/split_naming.h"

namespace gguf::detail {

// split.count of a file, 0 when the key is absent (a single file).
Result<uint32_t> declared_split_count(const Metadata& metadata, const std::string& file);

// The shard name of a file that declares split.count `declared` > 1; an
// error when the name is not a shard name or counts other shards.
Result<SplitName> shard_name(const std::string& path, uint32_t declared);

// split.no and split.count of shard `index` (0-based) of a set of `count`.
Status check_shard_keys(const Metadata& metadata, const std::string& file, uint32_t index, uint32_t count);

// split.tensors.count of the first shard against the tensors the set holds.
Status check_tensor_count(const Metadata& first_shard, const std::string& path, uint64_t tensors);

Error missing_shard(const std::string& shard_path, uint32_t index, uint32_t count, const std::string& set_path);
Error tensor_in_two_shards(const std::string& path, const std::string& tensor, const std::string& other_path);

}  // namespace gguf::detail
