#include "gguf/plan/plan.h"

namespace gguf {

uint64_t Plan::alignment() const {
    auto a = metadata.get_uint(keys::kAlignment);
    return a && *a > 0 ? *a : kDefaultAlignment;
}

uint64_t Plan::tensor_bytes() const {
    uint64_t total = 0;
    for (const auto& t : tensors) total += t.info.n_bytes;
    return total;
}

PlannedTensor copy_of(const Model& model, TensorRef ref) {
    return PlannedTensor{model.info(ref), CopySource{&model.shard(ref.shard), ref.index}};
}

Plan plan_copy(const Model& model) {
    Plan plan;
    plan.version = model.shard(0).version();
    plan.metadata = model.metadata();
    plan.metadata.remove(keys::kSplitNo);
    plan.metadata.remove(keys::kSplitCount);
    plan.metadata.remove(keys::kSplitTensorsCount);
    for (auto ref : model.tensors()) plan.tensors.push_back(copy_of(model, ref));
    return plan;
}

}  // namespace gguf
