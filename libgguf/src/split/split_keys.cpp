#include "split_keys.h"

namespace gguf::detail {

Result<uint32_t> declared_split_count(const Metadata& m, const std::string& file) {
    const Value* v = m.find(keys::kSplitCount);
    if (!v) return 0u;
    auto n = v->as_uint();
    if (!n || *n > 99999) return fail(ErrorCode::bad_format, file, "split.count is not a shard count: " + v->to_display());
    return static_cast<uint32_t>(*n);
}

Result<SplitName> shard_name(const std::string& path, uint32_t declared) {
    auto name = parse_split_path(path);
    if (!name) {
        return fail(ErrorCode::invalid_argument, path, "file declares split.count " + std::to_string(declared) +
                                                           " but its name is not of the form PREFIX-0000N-of-0000M.gguf");
    }
    if (name->count != declared) {
        return fail(ErrorCode::mismatch, path, "file name says " + std::to_string(name->count) +
                                                   " shards but split.count is " + std::to_string(declared));
    }
    return *name;
}

Status check_shard_keys(const Metadata& m, const std::string& file, uint32_t index, uint32_t count) {
    auto no = m.get_uint(keys::kSplitNo);
    if (!no || *no != index) {
        return fail(ErrorCode::mismatch, file, "split.no is " + (no ? std::to_string(*no) : std::string("missing")) +
                                                       ", expected " + std::to_string(index) + " for shard " +
                                                       std::to_string(index + 1) + " of " + std::to_string(count));
    }
    auto n = m.get_uint(keys::kSplitCount);
    if (!n || *n != count) {
        return fail(ErrorCode::mismatch, file, "split.count is " + (n ? std::to_string(*n) : std::string("missing")) +
                                                       ", expected " + std::to_string(count) + " as in the file names");
    }
    return {};
}

Status check_tensor_count(const Metadata& first_shard, const std::string& path, uint64_t tensors) {
    auto expected = first_shard.get_uint(keys::kSplitTensorsCount);
    if (expected && *expected == tensors) return {};
    return fail(ErrorCode::mismatch, path, "split.tensors.count is " + (expected ? std::to_string(*expected) : std::string("missing")) +
                                               " but the shards hold " + std::to_string(tensors) + " tensors");
}

Error missing_shard(const std::string& shard_path, uint32_t index, uint32_t count, const std::string& set_path) {
    return Error{ErrorCode::not_found, shard_path, std::nullopt,
                 "shard " + std::to_string(index + 1) + " of " + std::to_string(count) + " is missing (split set of " + set_path + ")"};
}

Error tensor_in_two_shards(const std::string& path, const std::string& tensor, const std::string& other_path) {
    return Error{ErrorCode::bad_format, path, std::nullopt, "tensor '" + tensor + "' also appears in " + other_path};
}

}  // namespace gguf::detail
