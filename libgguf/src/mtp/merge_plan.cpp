#include <algorithm>
#include <unordered_map>

#include "merge_order.h"
#include "mtp_model.h"

namespace gguf {
namespace {

// Puts `key` into `md` where it stands in `order_source`: right after the
// nearest key before it there that `md` also has.
void insert_in_order(Metadata& md, const Metadata& order_source, const std::string& key, Value value) {
    if (md.contains(key)) {
        md.set(key, std::move(value));
        return;
    }
    const auto& src = order_source.entries();
    std::string anchor;
    for (size_t i = 0; i < src.size() && src[i].key != key; ++i) {
        if (md.contains(src[i].key)) anchor = src[i].key;
    }
    Metadata rebuilt;
    if (anchor.empty()) rebuilt.append(key, value);
    for (const auto& kv : md.entries()) {
        rebuilt.append(kv.key, kv.value);
        if (kv.key == anchor) rebuilt.append(key, value);
    }
    md = std::move(rebuilt);
}

// Puts the head's kHeadOnlyTensors right after the first of
// kHeadOnlyTensorsAfter the merged model has (at the end when it has none).
void place_head_only(std::vector<PlannedTensor>& tensors, std::vector<PlannedTensor> head_only) {
    auto at = tensors.end();
    for (auto anchor : kHeadOnlyTensorsAfter) {
        at = std::ranges::find(tensors, anchor, [](const PlannedTensor& t) { return std::string_view(t.info.name); });
        if (at != tensors.end()) {
            ++at;
            break;
        }
    }
    tensors.insert(at, std::make_move_iterator(head_only.begin()), std::make_move_iterator(head_only.end()));
}

}  // namespace

Result<Plan> plan_merge(const Model& trunk, const Model& head) {
    auto ok = check_pair(trunk, head);
    if (!ok) return std::unexpected(ok.error());
    auto h = detail::read_mtp_model(head, MtpLayout::mtp_only, "not an MTP head to merge");
    if (!h) return std::unexpected(h.error());

    // The trunk's keys (its quantization, its imatrix notes) with what only
    // the head knows: the NextN count, the full block count, and per-layer
    // arrays that cover the MTP blocks.
    Plan plan = plan_copy(trunk);
    Metadata& md = plan.metadata;
    const std::string nextn_key = h->arch + ".nextn_predict_layers";
    const std::string blocks_key = h->arch + ".block_count";
    insert_in_order(md, head.metadata(), blocks_key, *head.metadata().find(blocks_key));
    insert_in_order(md, head.metadata(), nextn_key, *head.metadata().find(nextn_key));
    for (const auto& kv : head.metadata().entries()) {
        if (detail::is_per_layer_array(*h, kv)) insert_in_order(md, head.metadata(), kv.key, kv.value);
    }

    std::vector<std::string> trunk_names, head_names;
    std::vector<bool> head_is_mtp;
    for (const auto& t : plan.tensors) trunk_names.push_back(t.info.name);
    std::unordered_map<std::string, PlannedTensor> by_name;
    for (auto& t : plan.tensors) by_name.emplace(t.info.name, std::move(t));
    std::vector<PlannedTensor> head_only;
    for (auto ref : head.tensors()) {
        const std::string& name = head.info(ref).name;
        if (is_head_only_tensor(name)) {
            head_only.push_back(copy_of(head, ref));
            continue;
        }
        const bool mtp = h->in_mtp_block(name);
        if (!mtp && !trunk.find(name)) continue;  // a head tensor the trunk lacks (untied output): the trunk decides
        // deepseek4's output_hc_*: the trunk's copy serves both, and the
        // head's, which convert writes among its MTP block, bounds nothing.
        if (h->is_head_tensor(name)) continue;
        head_names.push_back(name);
        head_is_mtp.push_back(mtp);
        if (mtp) by_name.emplace(name, copy_of(head, ref));
    }
    plan.tensors.clear();
    for (const auto& name : detail::merged_tensor_order(trunk_names, head_names, head_is_mtp)) {
        plan.tensors.push_back(std::move(by_name.at(name)));
    }
    place_head_only(plan.tensors, std::move(head_only));
    detail::update_size_label(md, detail::infos(trunk), detail::infos(plan));
    return plan;
}

}  // namespace gguf
