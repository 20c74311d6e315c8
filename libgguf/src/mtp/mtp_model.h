// Shared by the surgery plans: a model's MTP facts, validated once.
#pragma once

#include <string>

#include "gguf/mtp/mtp.h"
#include "gguf/mtp/mtp_surgery.h"

namespace gguf::detail {

struct MtpModel {
    const Model* model = nullptr;
    std::string arch;
    const MtpArchitecture* table = nullptr;
    MtpSummary summary;
    uint32_t trunk_blocks = 0;  // N: blocks before the first MTP block

    bool in_mtp_block(std::string_view tensor_name) const;
    // In an MTP block, or one of kHeadOnlyTensors: what strip removes.
    bool belongs_to_head(std::string_view tensor_name) const;
    // A tensor outside the blocks that a head file keeps: kHeadSharedTensors
    // and the architecture's head tensors.
    bool is_head_shared(std::string_view tensor_name) const;
    // One of the architecture's head tensors (deepseek4's output_hc_*).
    bool is_head_tensor(std::string_view tensor_name) const;
};

// Reads and checks the MTP facts of a model that must hold `expected`
// (bundled for extract and strip, mtp_only for a merge head). A model with
// no MTP blocks at all is refused with `without_mtp`, what that is to the
// caller's operation ("nothing to extract").
Result<MtpModel> read_mtp_model(const Model& model, MtpLayout expected, std::string_view without_mtp);

// Sets general.size_label for `output` tensors when the input's label is the
// one convert computes from the input's tensors (a label taken from the model
// name is kept as it is, as convert keeps it).
void update_size_label(Metadata& metadata, std::span<const TensorInfo> input, std::span<const TensorInfo> output);

// `<arch>.*` arrays with one entry per block, MTP blocks included (not the
// trunk-length ones, nor those convert copies from the config).
bool is_per_layer_array(const MtpModel& m, const KeyValue& kv);

// A value of the same integer type as `like`, holding `value`.
Value same_integer_type(const Value& like, uint64_t value);

std::vector<TensorInfo> infos(const Plan& plan);
std::vector<TensorInfo> infos(const Model& model);

}  // namespace gguf::detail
