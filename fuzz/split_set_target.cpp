// Model::open over a split set of up to five shards, then everything a
// reader of the opened set touches: values, tensor data, the copy plan.
#include "fuzz_targets.h"
#include "gguf/split/model.h"
#include "gguf/plan/plan.h"
#include "gguf/split/split_naming.h"
#include "gguf/plan/writer.h"
#include "scratch_files.h"

namespace gguf_fuzz {

bool split_set(std::span<const uint8_t> data) {
    const auto shards = split_files(data, 5);
    const auto count = static_cast<uint32_t>(shards.size());
    ScratchDir dir;
    std::string first;
    for (uint32_t i = 0; i < count; ++i) {
        const std::string name = count == 1 ? "fuzz.gguf" : gguf::split_path("fuzz", i, count);
        const std::string path = dir.write(name, shards[i]);
        if (i == 0) first = path;
    }
    auto model = gguf::Model::open(first);
    if (!model) return false;
    for (const auto& kv : model->metadata().entries()) (void)kv.value.to_display();
    uint64_t sum = 0;
    for (const auto ref : model->tensors()) {
        const auto bytes = model->data(ref);
        require(bytes.size() == model->info(ref).n_bytes, "a tensor's data is as long as its type and shape say");
        if (!bytes.empty()) sum += bytes.front() + bytes.back();
        require(model->find(model->info(ref).name).has_value(), "every listed tensor is found by name");
    }
    (void)sum;
    gguf::WriteOptions options;
    options.output = dir.path("copy.gguf");
    auto layout = gguf::layout_plan(gguf::plan_copy(*model), options);
    (void)layout;
    return true;
}

}  // namespace gguf_fuzz
