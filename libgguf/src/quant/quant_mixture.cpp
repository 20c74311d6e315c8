#include "gguf/quant/quant_mixture.h"

#include <algorithm>
#include <string_view>

#include "gguf/format/dialect.h"
#include "gguf/mtp/mtp.h"

namespace gguf {
namespace {

using T = TensorType;
using F = FileType;

// Name fragments llama-quantize never quantizes (besides norms and 1-D
// tensors): routers, tiny or positional tables, RWKV and multimodal parts.
constexpr std::string_view kKeptExact[] = {
    "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj", "ssm_conv1d",
    "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight", "time_mix_first.weight",
    "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight",
    "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
    "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
    "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos", ".patch_embd",
    ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
};
constexpr std::string_view kKeptExactNames[] = {"position_embd.weight", "token_types.weight"};

// The broad roles the rules distinguish, found from the name as llama.cpp
// does (first match in this order).
enum class Role { token_embd, attn_q, attn_v, attn_k, attn_qkv, attn_kv_b, attn_output, ffn_up, ffn_gate, ffn_down, output, other };

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

Role role_of(const std::string& name) {
    if (name == "output.weight") return Role::output;
    if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::token_embd;
    constexpr std::pair<std::string_view, Role> kByFragment[] = {
        {"attn_qkv.weight", Role::attn_qkv},       {"attn_kv_b.weight", Role::attn_kv_b}, {"attn_v.weight", Role::attn_v},
        {"attn_k.weight", Role::attn_k},           {"attn_q.weight", Role::attn_q},       {"attn_output.weight", Role::attn_output},
        {"ffn_up", Role::ffn_up},                  {"ffn_gate", Role::ffn_gate},          {"ffn_down", Role::ffn_down},
    };
    for (const auto& [fragment, role] : kByFragment) {
        if (contains(name, fragment)) return role;
    }
    return Role::other;
}

// attn_v and the tensors that carry V (fused QKV, MLA's kv_b) share rules.
bool carries_v(Role r) { return r == Role::attn_v || r == Role::attn_qkv || r == Role::attn_kv_b; }

bool one_of(F f, std::initializer_list<F> set) { return std::find(set.begin(), set.end(), f) != set.end(); }

// The 1.5-2.7 bpw presets, which share one set of bumps.
bool is_two_bit_family(F f) { return one_of(f, {F::iq2_xxs, F::iq2_xs, F::iq1_s, F::iq2_s, F::iq2_m, F::iq1_m}); }

// The layers that get more bits: the first and last eighth, and every third
// one between.
bool use_more_bits(int layer, int layers) {
    return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
}

struct Walk {
    const MixtureModel& model;
    const MixtureOptions& options;
    F ftype;
    bool tied_embeddings = true;  // no output.weight: token_embd doubles as the output head
    int v_total = 0;
    int v_seen = 0;
    int down_seen = 0;
    int gate_seen = 0;
    int up_seen = 0;

    bool is_falcon() const { return model.arch == "falcon"; }
    bool experts8() const { return model.expert_count == 8; }

    // The layer a per-layer rule looks at: for MoE models the block number in
    // the name (experts come in no fixed order), else the running count.
    Result<std::pair<int, int>> layer_of(int seen, const std::string& name) const {
        const int layers = static_cast<int>(model.layer_count);
        if (std::max<uint32_t>(1, model.expert_count) <= 1) return std::pair{seen, layers};
        const int64_t block = block_number(name);
        if (block < 0) return fail(ErrorCode::bad_format, "", "cannot tell the layer of tensor '" + name + "'");
        if (block >= layers) {
            return fail(ErrorCode::bad_format, "", "tensor '" + name + "' is in block " + std::to_string(block) + ", beyond block_count " +
                                                       std::to_string(layers));
        }
        return std::pair{static_cast<int>(block), layers};
    }

    TensorType output_head(const TensorInfo& t, TensorType type) const {
        if (options.output_tensor_type) return *options.output_tensor_type;
        const uint32_t block = type_traits(static_cast<uint32_t>(type))->block_size;
        if (ftype == F::mxfp4_moe || is_falcon() || t.ne[0] % block != 0) return T::Q8_0;
        if (is_two_bit_family(ftype) || ftype == F::iq3_xxs) return T::Q5_K;
        return type != T::Q8_0 ? T::Q6_K : type;
    }

    TensorType token_embeddings(TensorType type) const {
        if (options.token_embedding_type) return *options.token_embedding_type;
        if (one_of(ftype, {F::iq2_xxs, F::iq2_xs, F::iq1_s, F::iq1_m})) return T::Q2_K;
        if (one_of(ftype, {F::iq2_s, F::iq2_m, F::iq3_xxs})) return T::IQ3_S;
        if (one_of(ftype, {F::tq1_0, F::tq2_0, F::q2_0})) return T::Q4_K;
        return type;
    }

    TensorType two_bit_family(Role role, TensorType type) {
        const bool two_m = ftype == F::iq2_s || ftype == F::iq2_m;
        if (carries_v(role)) {
            ++v_seen;
            if (model.gqa >= 4 || model.expert_count >= 4) return T::Q4_K;
            return two_m ? T::IQ3_S : T::Q2_K;
        }
        if (role == Role::attn_k && experts8()) return T::Q4_K;
        if (role == Role::ffn_down) {
            const bool early = down_seen < static_cast<int>(model.layer_count) / 8;
            ++down_seen;
            return early ? (two_m ? T::IQ3_S : T::Q2_K) : type;
        }
        if (role == Role::attn_output) {
            if (experts8()) return T::Q5_K;
            if (ftype == F::iq1_s || ftype == F::iq1_m) return T::IQ2_XXS;
            if (two_m) return T::IQ3_S;
        }
        return type;
    }

    TensorType value_projection(TensorType type) {
        const bool gqa4 = model.gqa >= 4;
        if (ftype == F::q2_k) type = gqa4 ? T::Q4_K : T::Q3_K;
        else if (ftype == F::q2_k_s && gqa4) type = T::Q4_K;
        else if (ftype == F::iq3_xxs) type = gqa4 ? T::Q4_K : options.has_imatrix ? T::IQ3_XXS : T::IQ3_S;
        else if ((ftype == F::iq3_xs || ftype == F::iq3_s) && gqa4) type = T::Q4_K;
        else if (ftype == F::iq3_m) type = T::Q4_K;
        else if (ftype == F::q3_k_m) type = v_seen < 2 ? T::Q5_K : T::Q4_K;
        else if (ftype == F::q3_k_l) type = T::Q5_K;
        else if ((ftype == F::iq4_nl || ftype == F::iq4_xs) && gqa4) type = T::Q5_K;
        else if ((ftype == F::q4_k_m || ftype == F::q5_k_m) && use_more_bits(v_seen, v_total)) type = T::Q6_K;
        else if (ftype == F::q4_k_s && v_seen < 4) type = T::Q5_K;
        // 70B models share one attn_v among 8 heads, so it is small: more bits cost little.
        if (model.is_70b && (type == T::Q3_K || type == T::Q4_K)) type = T::Q5_K;
        if (experts8()) type = T::Q8_0;
        ++v_seen;
        return type;
    }

    Result<TensorType> down_projection(const std::string& name, TensorType type) {
        auto where = layer_of(down_seen, name);
        if (!where) return std::unexpected(where.error());
        const auto [layer, layers] = *where;
        const bool first_eighth = layer < layers / 8;
        const bool more = use_more_bits(layer, layers);
        if (ftype == F::q2_k) type = T::Q3_K;
        else if (ftype == F::q2_k_s) type = first_eighth ? T::Q4_K : type;
        else if (ftype == F::iq3_xxs && !options.has_imatrix) type = first_eighth ? T::Q4_K : T::Q3_K;
        else if (ftype == F::q3_k_m) type = layer < layers / 16 ? T::Q5_K : (!is_falcon() || more) ? T::Q4_K : T::Q3_K;
        else if (ftype == F::iq3_m && (first_eighth || (experts8() && more))) type = T::Q4_K;
        else if (ftype == F::q3_k_l) type = is_falcon() ? T::Q4_K : T::Q5_K;
        else if (ftype == F::q4_k_m) {
            if (is_falcon()) type = layer < layers / 16 ? T::Q6_K : more ? T::Q5_K : T::Q4_K;
            else if (more) type = T::Q6_K;
        }
        else if (first_eighth && (ftype == F::iq4_nl || ftype == F::iq4_xs) && !options.has_imatrix) type = T::Q5_K;
        else if (ftype == F::q5_k_m && more) type = T::Q6_K;
        else if (ftype == F::q4_k_s && !is_falcon() && first_eighth) type = T::Q5_K;
        // Q4_0/Q5_0 can go wrong on the first ffn_down layers even with an imatrix.
        else if ((ftype == F::q4_0 || ftype == F::q5_0) && options.has_imatrix && first_eighth) type = ftype == F::q4_0 ? T::Q4_1 : T::Q5_1;
        ++down_seen;
        return type;
    }

    TensorType attention_output(TensorType type) const {
        if (is_falcon()) return ftype == F::q3_k_l ? T::Q4_K : type;
        if (experts8()) {
            const bool bump = one_of(ftype, {F::q2_k, F::iq3_xs, F::iq3_xxs, F::q3_k_s, F::q3_k_m, F::iq4_nl, F::q4_k_s, F::q4_k_m,
                                             F::iq3_s, F::iq3_m, F::iq4_xs});
            return bump ? T::Q5_K : type;
        }
        switch (ftype) {
            case F::q2_k: return T::Q3_K;
            case F::iq3_xxs: return T::IQ3_S;
            case F::q3_k_m: case F::iq3_m: return T::Q4_K;
            case F::q3_k_l: return T::Q5_K;
            default: return type;
        }
    }

    // IQ3_XS uses IQ3_XXS for the middle three quarters of ffn_gate / ffn_up.
    Result<TensorType> gate_or_up(int& seen, const std::string& name, TensorType type) {
        auto where = layer_of(seen, name);
        if (!where) return std::unexpected(where.error());
        const auto [layer, layers] = *where;
        ++seen;
        if (ftype == F::iq3_xs && layer >= layers / 8 && layer < 7 * layers / 8) return T::IQ3_XXS;
        return type;
    }

    // llama-quantize's mixture for one tensor that starts as `type`.
    Result<TensorType> mixture(const TensorInfo& t, Role role, TensorType type) {
        if (role == Role::output || (tied_embeddings && role == Role::token_embd)) return output_head(t, type);
        if (ftype == F::mxfp4_moe) {
            const bool expert_role = role == Role::ffn_up || role == Role::ffn_gate || role == Role::ffn_down;
            return t.ne[2] > 1 && (model.arch != "bailingmoe3" || expert_role) ? T::MXFP4 : T::Q8_0;
        }
        if (role == Role::token_embd) return token_embeddings(type);
        if (is_two_bit_family(ftype)) return two_bit_family(role, type);
        // attn_qkv and attn_kv_b take the attn_v rules (llama.cpp's own attn_qkv
        // branch comes after them and is never reached).
        if (carries_v(role)) return value_projection(type);
        if (role == Role::attn_k) {
            if (experts8()) return T::Q8_0;
            if (ftype == F::iq3_xs) return T::IQ3_XXS;
            if (ftype == F::iq3_xxs) return T::IQ2_S;
            return type;
        }
        if (role == Role::attn_q) {
            if (ftype == F::iq3_xs) return T::IQ3_XXS;
            if (ftype == F::iq3_xxs) return T::IQ2_S;
            return type;
        }
        if (role == Role::ffn_down) return down_projection(t.name, type);
        if (role == Role::attn_output) return attention_output(type);
        if (role == Role::ffn_gate) return gate_or_up(gate_seen, t.name, type);
        if (role == Role::ffn_up) return gate_or_up(up_seen, t.name, type);
        return type;
    }
};

}  // namespace

bool tensor_allows_quantization(const TensorInfo& t) {
    if (t.significant_dims() < 2) return false;
    const std::string& name = t.name;
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "weight") != 0) return false;
    if (contains(name, "_norm.weight")) return false;
    for (auto fragment : kKeptExact) {
        if (contains(name, fragment)) return false;
    }
    return std::find(std::begin(kKeptExactNames), std::end(kKeptExactNames), name) == std::end(kKeptExactNames);
}

bool refused_without_imatrix(const std::string& tensor, TensorType target, FileType file_type) {
    if (tensor == "token_embd.weight" || tensor == "per_layer_token_embd.weight" || tensor == "output.weight") return false;
    switch (target) {
        case T::IQ3_XXS: case T::IQ2_XXS: case T::IQ2_XS: case T::IQ2_S: case T::IQ1_M: case T::IQ1_S: return true;
        case T::Q2_K: return file_type == F::q2_k_s;
        default: return false;
    }
}

Result<TensorType> fallback_type(const TensorInfo& t, TensorType target) {
    const uint32_t block = type_traits(static_cast<uint32_t>(target))->block_size;
    if (t.ne[0] % block == 0) return target;
    TensorType fallback = target;
    switch (target) {
        case T::IQ1_S: case T::IQ1_M: case T::IQ2_XXS: case T::IQ2_XS: case T::IQ2_S: case T::IQ3_XXS: case T::IQ3_S:
        case T::IQ4_XS: fallback = T::IQ4_NL; break;
        case T::Q2_0: case T::Q2_K: case T::Q3_K: case T::TQ1_0: case T::TQ2_0: fallback = T::Q4_0; break;
        case T::Q4_K: fallback = T::Q5_0; break;
        case T::Q5_K: fallback = T::Q5_1; break;
        case T::Q6_K: fallback = T::Q8_0; break;
        default:
            if (block > 32) {
                return fail(ErrorCode::unsupported, "", "tensor '" + t.name + "' has rows of " + std::to_string(t.ne[0]) + ", not whole " +
                                                            std::string(type_display_name(target)) + " blocks, and " +
                                                            std::string(type_display_name(target)) + " has no fallback type");
            }
    }
    if (t.ne[0] % type_traits(static_cast<uint32_t>(fallback))->block_size != 0) return T::F16;
    return fallback;
}

Result<MixtureModel> MixtureModel::from_metadata(const Metadata& metadata, const std::string& path) {
    MixtureModel m;
    auto arch = metadata.get_string(keys::kArchitecture);
    if (!arch) return fail(ErrorCode::bad_format, path, "no general.architecture: cannot choose tensor types");
    m.arch = std::string(*arch);
    auto blocks = metadata.get_uint(metadata.arch_key("block_count"));
    if (!blocks || *blocks == 0) return fail(ErrorCode::bad_format, path, "no " + metadata.arch_key("block_count") + ": cannot choose tensor types");
    m.layer_count = static_cast<uint32_t>(*blocks);
    m.nextn_layers = static_cast<uint32_t>(metadata.get_uint(metadata.arch_key("nextn_predict_layers")).value_or(0));
    m.expert_count = static_cast<uint32_t>(metadata.get_uint(metadata.arch_key("expert_count")).value_or(0));
    // Head counts may be one value or one per layer; the rules read layer 0.
    auto first_of = [&](const std::string& key) -> std::optional<uint64_t> {
        const Value* v = metadata.find(key);
        if (!v) return std::nullopt;
        if (!v->is_array()) return v->as_uint();
        auto items = v->int_elements();
        if (!items || items->empty()) return std::nullopt;
        return static_cast<uint64_t>(items->front());
    };
    const uint64_t heads = first_of(metadata.arch_key("attention.head_count")).value_or(0);
    const uint64_t kv_heads = first_of(metadata.arch_key("attention.head_count_kv")).value_or(heads);
    m.gqa = kv_heads == 0 ? 0 : static_cast<uint32_t>(heads / kv_heads);
    const uint32_t trunk_layers = m.mtp_blocks().trunk_blocks();
    if (m.arch == "llama") m.is_70b = m.expert_count != 8 && trunk_layers == 80 && heads != kv_heads;
    else if (m.arch == "deci" || m.arch == "olmo" || m.arch == "qwen2") m.is_70b = trunk_layers == 80;
    else if (m.arch == "jais2") m.is_70b = trunk_layers == 68;
    return m;
}

namespace {

// gguf-mtp writes ik_llama.cpp's types only by copying tensors that have them.
Status refuse_ik_target(const TensorInfo& t, TensorType to) {
    if (to == t.type || sole_dialect(to) != Dialect::ik_llama) return {};
    return fail(ErrorCode::unsupported, "", "tensor '" + t.name + "': quantizing into ik_llama.cpp types (" + type_label(to) + ") is out of scope");
}

}  // namespace

Result<std::vector<TypeChoice>> choose_tensor_types(std::span<const TensorInfo* const> tensors, const MixtureModel& model,
                                                    const MixtureOptions& options) {
    std::vector<std::regex> patterns;
    for (const auto& r : options.rules) {
        try {
            patterns.emplace_back(r.pattern);
        } catch (const std::regex_error& e) {
            return fail(ErrorCode::invalid_argument, "", "type pattern '" + r.pattern + "' is not a valid regular expression: " + e.what());
        }
    }
    auto first_rule = [&](const std::string& name) -> int {
        for (size_t i = 0; i < patterns.size(); ++i) {
            if (std::regex_search(name, patterns[i])) return static_cast<int>(i);
        }
        return -1;
    };

    Walk walk{model, options, options.preset->file_type};
    for (const TensorInfo* t : tensors) {
        const Role role = role_of(t->name);
        if (carries_v(role)) ++walk.v_total;
        if (role == Role::output) walk.tied_embeddings = false;
    }

    const TensorType preset_type = options.preset->default_type;
    const bool preset_quantized = type_traits(static_cast<uint32_t>(preset_type))->quantized;
    std::vector<TypeChoice> out;
    out.reserve(tensors.size());
    for (const TensorInfo* t : tensors) {
        const bool allowed = !options.preset->copy_only && tensor_allows_quantization(*t) &&
                             (options.quantize_output_tensor || t->name != "output.weight");
        if (!allowed) {
            out.push_back(TypeChoice{t->type, TypeReason::kept, std::nullopt, -1});
            continue;
        }
        const Role role = role_of(t->name);
        // The explicit head and embedding types win outright (no fallback),
        // except that a --tensor-type rule naming per_layer_token_embd beats
        // --token-embedding-type.
        if (options.token_embedding_type && role == Role::token_embd &&
            !(t->name == "per_layer_token_embd.weight" && first_rule(t->name) >= 0)) {
            if (auto refused = refuse_ik_target(*t, *options.token_embedding_type); !refused) return std::unexpected(refused.error());
            out.push_back(TypeChoice{*options.token_embedding_type, TypeReason::token_embd_option, std::nullopt, -1});
            continue;
        }
        if (options.output_tensor_type && role == Role::output) {
            if (auto refused = refuse_ik_target(*t, *options.output_tensor_type); !refused) return std::unexpected(refused.error());
            out.push_back(TypeChoice{*options.output_tensor_type, TypeReason::output_option, std::nullopt, -1});
            continue;
        }
        TypeChoice choice{preset_type, TypeReason::preset, std::nullopt, -1};
        if (preset_quantized) {
            choice.rule_index = first_rule(t->name);
            if (choice.rule_index >= 0) {
                choice.type = options.rules[choice.rule_index].type;
                choice.reason = TypeReason::rule;
            } else if (!options.pure) {
                auto mixed = walk.mixture(*t, role, preset_type);
                if (!mixed) return std::unexpected(mixed.error());
                if (*mixed != preset_type) choice.reason = TypeReason::mixture;
                choice.type = *mixed;
            }
            if (auto refused = refuse_ik_target(*t, choice.type); !refused) return std::unexpected(refused.error());
            if (choice.type != t->type) {  // a tensor's own type fits its rows
                auto fitted = fallback_type(*t, choice.type);
                if (!fitted) return std::unexpected(fitted.error());
                if (*fitted != choice.type) choice.before_fallback = choice.type;
                choice.type = *fitted;
            }
        }
        out.push_back(choice);
    }
    return out;
}

}  // namespace gguf
