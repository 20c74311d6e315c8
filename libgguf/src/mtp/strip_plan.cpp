#include "mtp_model.h"

namespace gguf {

Result<Plan> plan_strip(const Model& bundled) {
    auto m = detail::read_mtp_model(bundled, MtpLayout::bundled, "nothing to strip");
    if (!m) return std::unexpected(m.error());
    Plan plan = plan_copy(bundled);
    std::erase_if(plan.tensors, [&](const PlannedTensor& t) { return m->belongs_to_head(t.info.name); });

    // convert --no-mtp writes the trunk's hyperparameters: no NextN key at
    // all (not 0), the trunk's block count, per-layer arrays for the trunk.
    Metadata& md = plan.metadata;
    md.remove(m->arch + ".nextn_predict_layers");
    const std::string blocks_key = m->arch + ".block_count";
    md.set(blocks_key, detail::same_integer_type(*md.find(blocks_key), m->trunk_blocks));
    for (const auto& kv : bundled.metadata().entries()) {
        if (!detail::is_per_layer_array(*m, kv)) continue;
        md.set(kv.key, kv.value.first_elements(m->trunk_blocks));
    }
    detail::update_size_label(md, detail::infos(bundled), detail::infos(plan));
    return plan;
}

}  // namespace gguf
