#include <algorithm>

#include "merge_order.h"
#include "mtp_model.h"

namespace gguf {
namespace {

// convert --mtp writes an architecture's head tensors (deepseek4's
// output_hc_*) from the MTP checkpoint, among the last MTP block's tensors:
// they move, in their order, to just before the table's anchor tensor. A
// file in llama-quantize's sorted order stays sorted.
void place_head_tensors(const detail::MtpModel& m, std::vector<PlannedTensor>& tensors) {
    if (m.table->head_tensors.empty() || m.table->head_tensors_before.empty()) return;
    const auto by_name = [](const PlannedTensor& a, const PlannedTensor& b) { return detail::weight_name_less(a.info.name, b.info.name); };
    if (std::ranges::is_sorted(tensors, by_name)) return;
    const std::string anchor = "blk." + std::to_string(m.summary.block_count - 1) + "." + std::string(m.table->head_tensors_before) + ".weight";
    const auto is_anchor = [&](const PlannedTensor& t) { return t.info.name == anchor; };
    if (std::ranges::none_of(tensors, is_anchor)) return;
    std::vector<PlannedTensor> head, rest;
    for (auto& t : tensors) (m.is_head_tensor(t.info.name) ? head : rest).push_back(std::move(t));
    rest.insert(std::ranges::find_if(rest, is_anchor), std::make_move_iterator(head.begin()), std::make_move_iterator(head.end()));
    tensors = std::move(rest);
}

}  // namespace

Result<Plan> plan_extract(const Model& bundled) {
    auto m = detail::read_mtp_model(bundled, MtpLayout::bundled, "nothing to extract");
    if (!m) return std::unexpected(m.error());
    Plan plan = plan_copy(bundled);
    std::erase_if(plan.tensors, [&](const PlannedTensor& t) {
        return !m->belongs_to_head(t.info.name) && !m->is_head_shared(t.info.name);
    });
    place_head_tensors(*m, plan.tensors);
    detail::update_size_label(plan.metadata, detail::infos(bundled), detail::infos(plan));
    return plan;
}

}  // namespace gguf
