// Does this head belong to this trunk? The checks run before merge plans
// anything, and each failure names the key and both values.
#include <xxhash.h>

#include <cstdio>

#include "mtp_model.h"

namespace gguf {
namespace {

std::string value_text(const Value* v) { return v ? v->to_display() : std::string("absent"); }

Status require_equal(const Model& trunk, const Model& head, const std::string& key) {
    const Value* a = trunk.metadata().find(key);
    const Value* b = head.metadata().find(key);
    if (a && b && *a == *b) return {};
    return fail(ErrorCode::mismatch, head.path(), "does not belong to " + trunk.path() + ": " + key + " is " + value_text(b) +
                                                      " in the head but " + value_text(a) + " in the trunk");
}

}  // namespace

std::string tokenizer_hash(const Metadata& metadata) {
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    for (const auto& kv : metadata.entries()) {
        if (kv.key.rfind("tokenizer.", 0) != 0) continue;
        const auto type = static_cast<uint32_t>(kv.value.type());
        XXH3_64bits_update(state, kv.key.data(), kv.key.size() + 1);  // with its terminating zero, to separate keys
        XXH3_64bits_update(state, &type, sizeof type);
        XXH3_64bits_update(state, kv.value.encoded().data(), kv.value.encoded().size());
    }
    const XXH64_hash_t hash = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

Status check_pair(const Model& trunk, const Model& head) {
    auto h = detail::read_mtp_model(head, MtpLayout::mtp_only, "not an MTP head to merge");
    if (!h) return std::unexpected(h.error());
    auto ok = require_equal(trunk, head, std::string(keys::kArchitecture));
    if (!ok) return ok;
    const std::string arch = h->arch;
    auto t = summarize_mtp(trunk);
    if (!t) return std::unexpected(t.error());
    if (t->layout != MtpLayout::none) {
        return fail(ErrorCode::mismatch, trunk.path(), "already has " + std::to_string(t->nextn_layers) +
                                                                   " NextN layer(s) of its own (" + arch +
                                                                   ".nextn_predict_layers): strip it before merging a head");
    }
    if (t->block_count != h->trunk_blocks) {
        return fail(ErrorCode::mismatch, head.path(), "does not belong to " + trunk.path() + ": the head's MTP block is blk." +
                                                          std::to_string(h->trunk_blocks) + " (made for a trunk of " +
                                                          std::to_string(h->trunk_blocks) + " blocks) but " + arch +
                                                          ".block_count of the trunk is " + std::to_string(t->block_count));
    }
    ok = require_equal(trunk, head, arch + ".embedding_length");
    if (!ok) return ok;
    const Value* trunk_tokens = trunk.metadata().find("tokenizer.ggml.tokens");
    const Value* head_tokens = head.metadata().find("tokenizer.ggml.tokens");
    const uint64_t trunk_vocab = trunk_tokens && trunk_tokens->is_array() ? trunk_tokens->array_size() : 0;
    const uint64_t head_vocab = head_tokens && head_tokens->is_array() ? head_tokens->array_size() : 0;
    if (trunk_vocab != head_vocab) {
        return fail(ErrorCode::mismatch, head.path(), "does not belong to " + trunk.path() + ": vocabulary size (tokenizer.ggml.tokens) is " +
                                                          std::to_string(head_vocab) + " in the head but " + std::to_string(trunk_vocab) +
                                                          " in the trunk");
    }
    const std::string trunk_hash = tokenizer_hash(trunk.metadata());
    const std::string head_hash = tokenizer_hash(head.metadata());
    if (trunk_hash != head_hash) {
        return fail(ErrorCode::mismatch, head.path(), "does not belong to " + trunk.path() + ": the tokenizer (tokenizer.* keys) hashes to " +
                                                          head_hash + " in the head but " + trunk_hash + " in the trunk");
    }
    for (auto ref : head.tensors()) {
        const auto& name = head.info(ref).name;
        if (h->belongs_to_head(name) && trunk.find(name)) {
            return fail(ErrorCode::mismatch, trunk.path(), "already holds tensor '" + name + "', which belongs to the MTP head");
        }
    }
    return {};
}

}  // namespace gguf
