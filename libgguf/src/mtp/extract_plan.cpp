#include "mtp_model.h"

namespace gguf {

Result<Plan> plan_extract(const Model& bundled) {
    auto m = detail::read_mtp_model(bundled, MtpLayout::bundled);
    if (!m) return std::unexpected(m.error());
    Plan plan = plan_copy(bundled);
    std::erase_if(plan.tensors, [&](const PlannedTensor& t) {
        return !m->in_mtp_block(t.info.name) && !m->is_head_shared(t.info.name);
    });
    detail::update_size_label(plan.metadata, detail::infos(bundled), detail::infos(plan));
    return plan;
}

}  // namespace gguf
