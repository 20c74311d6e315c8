#include "gguf/quant/reuse.h"

namespace gguf {
namespace {

// Whether the earlier tensor can stand in byte for byte: same type, shape
// and size as planned.
bool same_layout(const TensorInfo& earlier, const TensorInfo& planned) {
    return earlier.type == planned.type && earlier.ne == planned.ne && earlier.n_bytes == planned.n_bytes;
}

}  // namespace

Result<ReuseOutcome> reuse_earlier_tensors(QuantizePlan& plan, const Model& previous, const ProvenanceRecord& record) {
    ReuseOutcome outcome;
    for (auto& planned : plan.plan.tensors) {
        const auto* transform = std::get_if<TransformSource>(&planned.source);
        if (!transform) continue;
        ++outcome.quantized;
        const auto recorded = record.tensors.find(planned.info.name);
        const auto earlier = previous.find(planned.info.name);
        if (recorded == record.tensors.end() || !earlier || !same_layout(previous.info(*earlier), planned.info)) continue;
        // The cheap parts of the recipe first: only a candidate's source is read.
        TensorRecipe expected = recorded->second.recipe;
        expected.source.clear();
        const TensorRecipe cheap = {.source = {},
                                    .importance = importance_digest(transform->importance),
                                    .target = transform->target,
                                    .release = transform->release,
                                    .kernels = kKernelGeneration};
        if (cheap != expected) continue;
        auto recipe = recipe_of(*transform);
        if (!recipe) return std::unexpected(recipe.error());
        if (*recipe != recorded->second.recipe) continue;
        const GgufFile& shard = previous.shard(earlier->shard);
        auto held = tensor_digest(shard, earlier->index);
        if (!held) return std::unexpected(held.error());
        if (*held != recorded->second.output) continue;
        planned.source = copy_of(previous, *earlier).source;
        ++outcome.reused;
        outcome.seconds_saved += recorded->second.seconds;
        outcome.carried.tensors.insert(*recorded);
    }
    return outcome;
}

}  // namespace gguf
