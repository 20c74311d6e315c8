// What part of a model a tensor belongs to, read from its name: the groups
// `compare` sums errors over, since a quant's damage matters differently in
// the attention, the experts or the MTP head.
//
// Thread safety: functions of their arguments.
#pragma once

#include <string_view>

#include "gguf/mtp/mtp.h"

namespace gguf {

// In the order reports list them. Names are stable (JSON output, scripts).
enum class TensorRole {
    attention,   // attn_*, and ssm_* (the linear-attention / recurrent mixers that stand in for it)
    experts,     // routed experts: ffn_*_exps
    dense_ffn,   // every other ffn_* weight (dense, shared experts, router)
    embeddings,  // token_embd*, output.*
    mtp_head,    // anything in an MTP (NextN) block, whatever it is
    other,       // norms and the rest
};
inline constexpr int kTensorRoleCount = 6;

std::string_view tensor_role_name(TensorRole role);

// The role of tensor `name` in a model whose MTP blocks are `mtp`.
TensorRole tensor_role(std::string_view name, const MtpBlockRange& mtp);

}  // namespace gguf
