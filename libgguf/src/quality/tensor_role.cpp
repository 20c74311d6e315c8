#include "gguf/quality/tensor_role.h"

namespace gguf {
namespace {

bool has(std::string_view name, std::string_view part) { return name.find(part) != std::string_view::npos; }

}  // namespace

std::string_view tensor_role_name(TensorRole role) {
    switch (role) {
        case TensorRole::attention: return "attention";
        case TensorRole::experts: return "experts";
        case TensorRole::dense_ffn: return "dense_ffn";
        case TensorRole::embeddings: return "embeddings";
        case TensorRole::mtp_head: return "mtp_head";
        case TensorRole::other: return "other";
    }
    return "other";
}

TensorRole tensor_role(std::string_view name, const MtpBlockRange& mtp) {
    if (mtp.contains(block_number(name))) return TensorRole::mtp_head;
    if (name.starts_with("token_embd") || name.starts_with("output.")) return TensorRole::embeddings;
    // Norms first: attn_norm and ffn_norm are norms, not attention or FFN weights.
    if (has(name, "norm")) return TensorRole::other;
    if (has(name, ".attn_") || has(name, ".ssm_")) return TensorRole::attention;
    if (has(name, ".ffn_") && has(name, "_exps")) return TensorRole::experts;
    if (has(name, ".ffn_")) return TensorRole::dense_ffn;
    return TensorRole::other;
}

}  // namespace gguf
