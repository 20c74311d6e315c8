#include "gguf/quant/quantize_plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"
#include "gguf/quant/cpu/quantize.h"
#include "layer_pruning.h"

namespace gguf {
namespace {

using T = TensorType;

bool is_plain_float(TensorType t) { return t == T::F32 || t == T::F16 || t == T::BF16; }

// A tensor as llama-quantize sees it: its (possibly renumbered) name and
// where it comes from.
struct Entry {
    TensorRef ref;
    TensorInfo info;  // name renumbered when layers are pruned
    const std::string* source_name;
};

// llama-quantize's order: tensors outside blocks first, then by block
// number, names sorted within.
void sort_by_block(std::vector<Entry>& entries) {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        const int64_t la = block_number(a.info.name), lb = block_number(b.info.name);
        return la != lb ? la < lb : a.info.name < b.info.name;
    });
}

void apply_key_overrides(Metadata& metadata, const std::vector<KeyOverride>& overrides) {
    // llama-quantize sets each key anew, which moves it to the end.
    for (const auto& o : overrides) {
        metadata.remove(o.key);
        metadata.append(o.key, o.value);
    }
}

// --mtp-type as one more rule after the user's: it matches the MTP blocks.
MixtureOptions with_mtp_rule(MixtureOptions options, const MixtureModel& m, std::optional<TensorType> mtp_type) {
    const auto blocks = m.mtp_blocks().blocks();
    if (!mtp_type || blocks.empty()) return options;
    std::string alternatives;
    for (auto b : blocks) alternatives += (alternatives.empty() ? "" : "|") + std::to_string(b);
    options.rules.push_back({"^blk\\.(" + alternatives + ")\\.", *mtp_type});
    return options;
}

Result<std::vector<TypeChoice>> choose_in_order(const std::vector<Entry>& entries, const MixtureModel& m, const MixtureOptions& options) {
    std::vector<const TensorInfo*> infos;
    for (const auto& e : entries) infos.push_back(&e.info);
    return choose_tensor_types(infos, m, options);
}

// Types as llama-quantize would choose them inside the bundled model that
// `self` and `other` (a trunk and its MTP head, either way round) make.
Result<std::map<std::string, TypeChoice>> choices_inside_bundle(const Model& self, const Model& other, const QuantizeOptions& o,
                                                                const MixtureOptions& mixture) {
    auto self_mtp = summarize_mtp(self);
    if (!self_mtp) return std::unexpected(self_mtp.error());
    const bool self_is_head = self_mtp->layout == MtpLayout::mtp_only;
    auto merged = self_is_head ? plan_merge(other, self) : plan_merge(self, other);
    if (!merged) return std::unexpected(merged.error());
    Metadata metadata = merged->metadata;
    apply_key_overrides(metadata, o.key_overrides);
    auto m = MixtureModel::from_metadata(metadata, self.path());
    if (!m) return std::unexpected(m.error());
    std::vector<Entry> entries;
    for (const auto& t : merged->tensors) entries.push_back({{}, t.info, &t.info.name});
    sort_by_block(entries);
    auto choices = choose_in_order(entries, *m, with_mtp_rule(mixture, *m, o.mtp_type));
    if (!choices) return fail(choices.error().code, self.path(), "inside the bundled model: " + choices.error().message);
    std::map<std::string, TypeChoice> by_name;
    for (size_t i = 0; i < entries.size(); ++i) by_name.emplace(entries[i].info.name, (*choices)[i]);
    return by_name;
}

void write_quantize_keys(Metadata& metadata, const QuantizeOptions& o, uint32_t file_type, size_t imatrix_entries,
                         const LayerPruning& pruning) {
    metadata.remove("general.quantization_version");
    metadata.append("general.quantization_version", Value::u32(2));
    metadata.remove("general.file_type");
    metadata.append("general.file_type", Value::u32(file_type));
    for (auto key : {keys::kSplitNo, keys::kSplitCount, keys::kSplitTensorsCount}) metadata.remove(key);
    std::vector<KeyOverride> overrides = o.key_overrides;
    if (imatrix_entries > 0) {
        overrides.push_back({"quantize.imatrix.file", Value::string(o.imatrix_path.substr(0, 127))});
        if (!o.imatrix->datasets.empty()) {
            overrides.push_back({"quantize.imatrix.dataset", Value::string(o.imatrix->datasets.front().substr(0, 127))});
        }
        overrides.push_back({"quantize.imatrix.entries_count", Value::u32(static_cast<uint32_t>(imatrix_entries))});
        if (o.imatrix->chunk_count > 0) {
            overrides.push_back({"quantize.imatrix.chunks_count", Value::u32(static_cast<uint32_t>(o.imatrix->chunk_count))});
        }
    }
    apply_key_overrides(metadata, overrides);
    if (pruning.active()) {
        const std::string key = metadata.arch_key("block_count");
        metadata.remove(key);
        metadata.append(key, Value::u32(pruning.block_count()));
    }
}

uint32_t file_type_of(const Model& model, const QuantizeOptions& o, const std::vector<Entry>& entries) {
    if (!o.preset->copy_only) return static_cast<uint32_t>(o.preset->file_type);
    if (auto stored = model.metadata().get_uint("general.file_type")) return static_cast<uint32_t>(*stored);
    std::vector<TensorType> types;
    for (const auto& e : entries) types.push_back(e.info.type);
    return guess_file_type(types);
}

// Replaces the types of the tensors options.chosen_types names.
Status apply_chosen_types(const std::vector<Entry>& entries, const QuantizeOptions& o, std::vector<TypeChoice>& choices,
                          const std::string& path) {
    size_t applied = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        auto it = o.chosen_types.find(entries[i].info.name);
        if (it == o.chosen_types.end()) continue;
        if (choices[i].reason != TypeReason::preset) {
            return fail(ErrorCode::invalid_argument, path, "tensor '" + it->first + "' has its type fixed, not the preset's default: no type can be chosen for it");
        }
        auto fitted = fallback_type(entries[i].info, it->second);
        if (!fitted || *fitted != it->second) {
            return fail(ErrorCode::invalid_argument, path, "tensor '" + it->first + "': its rows are not whole blocks of " +
                                                               std::string(type_display_name(it->second)));
        }
        choices[i] = TypeChoice{it->second, TypeReason::size_target, std::nullopt, -1};
        ++applied;
    }
    if (applied != o.chosen_types.size()) {
        for (const auto& [name, type] : o.chosen_types) {
            const bool found = std::any_of(entries.begin(), entries.end(), [&](const Entry& e) { return e.info.name == name; });
            if (!found) return fail(ErrorCode::invalid_argument, path, "a type was chosen for tensor '" + name + "', which the output does not have");
        }
    }
    return {};
}

}  // namespace

// --include-weights and --exclude-weights match substrings, as llama-quantize does.
Result<ImportanceByTensor> importance_by_tensor(const QuantizeOptions& o) {
    ImportanceByTensor out;
    if (!o.imatrix) return out;
    for (const auto& [name, entry] : o.imatrix->entries) {
        auto has = [&](const std::vector<std::string>& parts) {
            return std::any_of(parts.begin(), parts.end(), [&](const std::string& p) { return name.find(p) != std::string::npos; });
        };
        if (has(o.exclude_weights)) continue;
        if (!o.include_weights.empty() && !has(o.include_weights)) continue;
        std::vector<float> w = o.imatrix->weights(name);
        for (float v : w) {
            if (!std::isfinite(v)) return fail(ErrorCode::bad_format, o.imatrix_path, "entry '" + name + "' holds a non-finite value");
        }
        out.emplace(name, std::move(w));
    }
    return out;
}

Result<QuantizePlan> plan_quantize(const Model& model, const QuantizeOptions& o) {
    if (!o.preset) return fail(ErrorCode::invalid_argument, model.path(), "no quantization type given");
    if (o.bundled_with && !o.prune_layers.empty()) {
        return fail(ErrorCode::invalid_argument, model.path(), "pruning layers and choosing types as in the bundled model do not combine");
    }
    Metadata hparams_source = model.metadata();
    apply_key_overrides(hparams_source, o.key_overrides);
    auto hparams = MixtureModel::from_metadata(hparams_source, model.path());
    if (!hparams) return std::unexpected(hparams.error());

    // The tensors in llama-quantize's order, pruned blocks dropped.
    std::vector<Entry> entries;
    for (auto ref : model.tensors()) entries.push_back({ref, model.info(ref), &model.info(ref).name});
    sort_by_block(entries);
    LayerPruning pruning(o.prune_layers);
    std::vector<Entry> kept;
    for (auto& e : entries) {
        auto name = pruning.rename(e.info.name);
        if (!name) continue;
        e.info.name = *name;
        kept.push_back(std::move(e));
    }
    entries = std::move(kept);
    const bool keep_split = o.keep_split && model.is_split();
    if (keep_split) {
        std::stable_sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
            if (a.ref.shard != b.ref.shard) return a.ref.shard < b.ref.shard;
            return model.info(a.ref).offset < model.info(b.ref).offset;
        });
    }

    auto importance = importance_by_tensor(o);
    if (!importance) return std::unexpected(importance.error());
    MixtureOptions mixture;
    mixture.preset = o.preset;
    mixture.pure = o.pure;
    mixture.quantize_output_tensor = !o.leave_output_tensor;
    mixture.has_imatrix = !importance->empty();
    mixture.output_tensor_type = o.output_tensor_type;
    mixture.token_embedding_type = o.token_embedding_type;
    mixture.rules = o.rules;

    auto alone = choose_in_order(entries, *hparams, with_mtp_rule(mixture, *hparams, o.mtp_type));
    if (!alone && !o.bundled_with) return fail(alone.error().code, model.path(), alone.error().message);
    std::vector<TypeChoice> choices;
    if (o.bundled_with) {
        auto bundle = choices_inside_bundle(model, *o.bundled_with, o, mixture);
        if (!bundle) return std::unexpected(bundle.error());
        for (const auto& e : entries) choices.push_back(bundle->at(e.info.name));
    } else {
        choices = *alone;
    }
    if (auto applied = apply_chosen_types(entries, o, choices, model.path()); !applied) return std::unexpected(applied.error());
    if (alone && o.bundled_with) {  // a chosen type is the tensor's alone too
        for (size_t i = 0; i < choices.size(); ++i) {
            if (choices[i].reason == TypeReason::size_target) (*alone)[i].type = choices[i].type;
        }
    }

    const auto mtp = hparams->mtp_blocks().blocks();
    QuantizePlan out;
    out.file_type = file_type_of(model, o, entries);
    out.imatrix_entries = importance->size();
    out.plan.metadata = model.metadata();
    write_quantize_keys(out.plan.metadata, o, out.file_type, out.imatrix_entries, pruning);
    const auto ftype = static_cast<FileType>(out.file_type);

    for (size_t i = 0; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        const TensorInfo& source = model.info(e.ref);
        PlannedQuantization q;
        q.tensor = e.info.name;
        q.from = source.type;
        q.choice = choices[i];
        q.to = choices[i].type;
        if (o.bundled_with && alone && (*alone)[i].type != q.to) q.alone = (*alone)[i].type;
        const int64_t block = block_number(e.info.name);
        q.in_mtp_block = block >= 0 && std::find(mtp.begin(), mtp.end(), static_cast<uint32_t>(block)) != mtp.end();
        q.bytes_in = source.n_bytes;

        TransformSource tensor;
        tensor.allow_non_finite = o.allow_non_finite;
        tensor.chunk_bytes = o.chunk_bytes;
        tensor.release = o.release;
        const std::string subject = "tensor '" + e.info.name + "'";
        if (q.to != q.from) {
            if (auto it = importance->find(*e.source_name); it != importance->end()) {
                const uint64_t expected = source.ne[0] * std::max<uint64_t>(source.ne[2], 1);
                if (it->second.size() == expected) {
                    tensor.importance = it->second;
                } else if (e.info.name != "token_embd.weight" && e.info.name != "per_layer_token_embd.weight") {
                    // llama-quantize ignores a mismatched entry for the token embeddings only.
                    return fail(ErrorCode::mismatch, o.imatrix_path, "entry '" + *e.source_name + "' has " + std::to_string(it->second.size()) +
                                                                         " values, the tensor needs " + std::to_string(expected));
                }
            }
            const bool needs = refused_without_imatrix(e.info.name, q.to, ftype) || requires_importance(q.to);
            if (needs && tensor.importance.empty()) {
                if (!o.imatrix && !o.missing_importance_explicit) {
                    return fail(ErrorCode::invalid_argument, model.path(), subject + " needs importance data for " +
                                                                               std::string(type_display_name(q.to)),
                                Remedy::give_importance);
                }
                switch (o.missing_importance.action) {
                    case MissingImportanceAction::error:
                        return fail(ErrorCode::invalid_argument, model.path(),
                                    subject + " needs importance data for " + std::string(type_display_name(q.to)) +
                                        " and the imatrix has no entry for it",
                                    Remedy::choose_missing_importance);
                    case MissingImportanceAction::uniform:
                        tensor.importance.assign(source.ne[0] * std::max<uint64_t>(source.ne[2], 1), 1.0f);
                        q.importance = ImportanceUse::uniform;
                        break;
                    case MissingImportanceAction::fallback: {
                        auto fitted = fallback_type(source, o.missing_importance.fallback_type);
                        if (!fitted) return fail(fitted.error().code, model.path(), fitted.error().message);
                        q.to = *fitted;
                        q.importance = ImportanceUse::replaced;
                        break;
                    }
                }
            } else if (type_traits(static_cast<uint32_t>(q.to))->quantized) {
                q.importance = tensor.importance.empty() ? ImportanceUse::absent : ImportanceUse::used;
            }
        }

        PlannedTensor planned;
        planned.info = e.info;
        planned.info.n_dims = source.significant_dims();  // llama-quantize writes ggml's count
        if (q.to == q.from) {
            planned.source = copy_of(model, e.ref).source;
        } else {
            if (!is_plain_float(q.from) && !o.allow_requantize) {
                return fail(ErrorCode::invalid_argument, model.path(), subject + " is already " + type_label(q.from) +
                                                                           ": requantizing loses precision",
                            Remedy::allow_requantize);
            }
            if (const auto refusal = dequantize_refusal(q.from, std::max<uint64_t>(e.info.ne[0], 1));
                !is_plain_float(q.from) && !refusal.empty()) {
                return fail(ErrorCode::unsupported, model.path(), subject + " is " + type_label(q.from) + ": " + refusal +
                                                                      "; it can only be kept as it is");
            }
            if (!can_quantize(q.to)) {
                return fail(ErrorCode::unsupported, model.path(), subject + ": gguf-mtp cannot quantize to " +
                                                                      std::string(type_display_name(q.to)) + " yet");
            }
            auto bytes = tensor_bytes(q.to, source.ne);
            if (!bytes) return fail(bytes.error().code, model.path(), subject + ": " + bytes.error().message);
            planned.info.type = q.to;
            planned.info.n_bytes = *bytes;
            tensor.target = q.to;
            tensor.input = std::get<CopySource>(copy_of(model, e.ref).source);
            planned.source = std::move(tensor);
        }
        q.bytes_out = planned.info.n_bytes;
        out.plan.tensors.push_back(std::move(planned));
        out.tensors.push_back(std::move(q));
        if (keep_split) out.shards.push_back(e.ref.shard);
    }
    return out;
}

}  // namespace gguf
