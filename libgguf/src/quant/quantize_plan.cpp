#include "gguf/quantize_plan.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "gguf/quantize.h"

namespace gguf {
namespace {

using T = TensorType;

// llama-quantize's preset names, their llama_ftype and default type
// (llama_ftype_get_default_type; note IQ2_S defaults to IQ2_XS there).
constexpr std::array kPresets = {
    QuantPreset{"Q4_0", 2, T::Q4_0},       QuantPreset{"Q4_1", 3, T::Q4_1},       QuantPreset{"Q5_0", 8, T::Q5_0},
    QuantPreset{"Q5_1", 9, T::Q5_1},       QuantPreset{"Q8_0", 7, T::Q8_0},       QuantPreset{"IQ2_XXS", 19, T::IQ2_XXS},
    QuantPreset{"IQ2_XS", 20, T::IQ2_XS},  QuantPreset{"IQ2_S", 28, T::IQ2_XS},   QuantPreset{"IQ2_M", 29, T::IQ2_S},
    QuantPreset{"IQ1_S", 24, T::IQ1_S},    QuantPreset{"IQ1_M", 31, T::IQ1_M},    QuantPreset{"TQ1_0", 36, T::TQ1_0},
    QuantPreset{"TQ2_0", 37, T::TQ2_0},    QuantPreset{"Q2_K", 10, T::Q2_K},      QuantPreset{"Q2_K_S", 21, T::Q2_K},
    QuantPreset{"IQ3_XXS", 23, T::IQ3_XXS}, QuantPreset{"IQ3_S", 26, T::IQ3_S},   QuantPreset{"IQ3_M", 27, T::IQ3_S},
    QuantPreset{"Q3_K", 12, T::Q3_K},      QuantPreset{"IQ3_XS", 22, T::IQ3_S},   QuantPreset{"Q3_K_S", 11, T::Q3_K},
    QuantPreset{"Q3_K_M", 12, T::Q3_K},    QuantPreset{"Q3_K_L", 13, T::Q3_K},    QuantPreset{"IQ4_NL", 25, T::IQ4_NL},
    QuantPreset{"IQ4_XS", 30, T::IQ4_XS},  QuantPreset{"Q4_K", 15, T::Q4_K},      QuantPreset{"Q4_K_S", 14, T::Q4_K},
    QuantPreset{"Q4_K_M", 15, T::Q4_K},    QuantPreset{"Q5_K", 17, T::Q5_K},      QuantPreset{"Q5_K_S", 16, T::Q5_K},
    QuantPreset{"Q5_K_M", 17, T::Q5_K},    QuantPreset{"Q6_K", 18, T::Q6_K},      QuantPreset{"MXFP4_MOE", 38, T::MXFP4},
    QuantPreset{"Q1_0", 40, T::Q1_0},      QuantPreset{"Q2_0", 41, T::Q2_0},      QuantPreset{"F16", 1, T::F16},
    QuantPreset{"BF16", 32, T::BF16},      QuantPreset{"F32", 0, T::F32},
};

// Name fragments llama-quantize never quantizes (llama-quant.cpp,
// tensor_allows_quantization), besides norms.
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

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
           });
}

int64_t block_of(const std::string& name) {
    constexpr std::string_view prefix = "blk.";
    if (name.rfind(prefix, 0) != 0) return -1;
    int64_t n = 0;
    size_t i = prefix.size();
    if (i >= name.size() || !std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
    while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) n = n * 10 + (name[i++] - '0');
    return n;  // sscanf("blk.%d.") reads the number even without the dot after it
}

// llama-quantize's policy (tensor_requires_imatrix): the very-low-bit types,
// and Q2_K inside a Q2_K_S file, need importance data, except for the token
// embeddings and the output head.
bool policy_requires_importance(const std::string& name, TensorType target, const QuantPreset& preset) {
    if (name == "token_embd.weight" || name == "per_layer_token_embd.weight" || name == "output.weight") return false;
    switch (target) {
        case T::IQ3_XXS: case T::IQ2_XXS: case T::IQ2_XS: case T::IQ2_S: case T::IQ1_M: case T::IQ1_S: return true;
        case T::Q2_K: return preset.name == "Q2_K_S";
        default: return false;
    }
}

}  // namespace

std::span<const QuantPreset> quant_presets() { return kPresets; }

const QuantPreset* find_preset(std::string_view name) {
    for (const auto& p : kPresets) {
        if (equal_ignoring_case(p.name, name)) return &p;
    }
    return nullptr;
}

bool tensor_allows_quantization(const TensorInfo& t) {
    if (t.significant_dims() < 2) return false;
    const std::string& name = t.name;
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "weight") != 0) return false;
    if (name.find("_norm.weight") != std::string::npos) return false;
    for (auto fragment : kKeptExact) {
        if (name.find(fragment) != std::string::npos) return false;
    }
    for (auto exact : kKeptExactNames) {
        if (name == exact) return false;
    }
    return true;
}

TensorType fallback_type(const TensorInfo& t, TensorType target) {
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
        default: break;
    }
    if (t.ne[0] % type_traits(static_cast<uint32_t>(fallback))->block_size != 0) return T::F16;
    return fallback;
}

Result<QuantizePlan> plan_quantize_pure(const Model& model, const PureQuantizeOptions& options, std::shared_ptr<Quantizer> quantizer) {
    QuantizePlan out;
    Plan& plan = out.plan;
    plan.metadata = model.metadata();
    plan.metadata.remove("general.quantization_version");
    plan.metadata.append("general.quantization_version", Value::u32(2));
    plan.metadata.remove("general.file_type");
    plan.metadata.append("general.file_type", Value::u32(options.preset->file_type));
    for (auto key : {keys::kSplitNo, keys::kSplitCount, keys::kSplitTensorsCount}) plan.metadata.remove(key);
    if (options.imatrix) {
        // What llama-quantize records through its key overrides, in its order.
        plan.metadata.remove("quantize.imatrix.file");
        plan.metadata.append("quantize.imatrix.file", Value::string(options.imatrix_path.substr(0, 127)));
        if (!options.imatrix->datasets.empty()) {
            plan.metadata.remove("quantize.imatrix.dataset");
            plan.metadata.append("quantize.imatrix.dataset", Value::string(options.imatrix->datasets.front().substr(0, 127)));
        }
        // Integer overrides reach the file as u32.
        plan.metadata.remove("quantize.imatrix.entries_count");
        plan.metadata.append("quantize.imatrix.entries_count", Value::u32(static_cast<uint32_t>(options.imatrix->entries.size())));
        if (options.imatrix->chunk_count > 0) {
            plan.metadata.remove("quantize.imatrix.chunks_count");
            plan.metadata.append("quantize.imatrix.chunks_count", Value::u32(static_cast<uint32_t>(options.imatrix->chunk_count)));
        }
    }

    std::vector<TensorRef> order = model.tensors();
    std::stable_sort(order.begin(), order.end(), [&](TensorRef a, TensorRef b) {
        const auto &na = model.info(a).name, &nb = model.info(b).name;
        const int64_t la = block_of(na), lb = block_of(nb);
        return la != lb ? la < lb : na < nb;
    });

    for (auto ref : order) {
        const TensorInfo& info = model.info(ref);
        TensorType target = info.type;
        if (tensor_allows_quantization(info)) {
            target = options.preset->default_type;
            if (type_traits(static_cast<uint32_t>(target))->quantized) target = fallback_type(info, target);
        }
        if (target == info.type) {
            plan.tensors.push_back(copy_of(model, ref));
            plan.tensors.back().info.n_dims = info.significant_dims();  // llama-quantize writes ggml's count
            continue;
        }
        const bool plain_float = info.type == T::F32 || info.type == T::F16 || info.type == T::BF16;
        if (!plain_float && !options.allow_requantize) {
            return fail(ErrorCode::invalid_argument, model.path(), "tensor '" + info.name + "' is already " +
                                                                       std::string(type_display_name(info.type)) +
                                                                       ": requantizing loses precision (--allow-requantize to do it)");
        }
        if (!can_quantize(target)) {
            return fail(ErrorCode::unsupported, model.path(), "tensor '" + info.name + "': gguf-mtp cannot quantize to " +
                                                                  std::string(type_display_name(target)) + " yet");
        }
        QuantizeTensorOptions q;
        q.target = target;
        q.allow_non_finite = options.allow_non_finite;
        if (options.imatrix) q.importance = options.imatrix->weights(info.name);
        if (!q.importance.empty()) {
            const uint64_t expected = info.ne[0] * std::max<uint64_t>(info.ne[2], 1);
            if (q.importance.size() != expected) {
                return fail(ErrorCode::mismatch, options.imatrix_path, "entry '" + info.name + "' has " + std::to_string(q.importance.size()) +
                                                                           " values, the tensor needs " + std::to_string(expected));
            }
        }
        if (q.importance.empty() && (requires_importance(target) || policy_requires_importance(info.name, target, *options.preset))) {
            return fail(ErrorCode::invalid_argument, model.path(),
                        "tensor '" + info.name + "' needs importance data for " + std::string(type_display_name(target)) +
                            (options.imatrix ? " and the imatrix has no entry for it" : ": give an imatrix (--imatrix)"));
        }
        out.tensors.push_back({info.name, info.type, target, !q.importance.empty()});
        PlannedTensor t;
        t.info = info;
        t.info.type = target;
        t.info.n_dims = info.significant_dims();
        auto bytes = tensor_bytes(target, info.ne);
        if (!bytes) return std::unexpected(bytes.error());
        t.info.n_bytes = *bytes;
        t.source = quantize_source(model, ref, std::move(q), quantizer);
        plan.tensors.push_back(std::move(t));
    }
    return out;
}

}  // namespace gguf
