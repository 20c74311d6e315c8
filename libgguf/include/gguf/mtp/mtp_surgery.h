// MTP (NextN) head surgery as plans: extract the head, strip it, merge a head
// back into a trunk.
//
// Outputs follow what llama.cpp's convert writes for the same model:
//  - extract (convert --mtp): every key unchanged (general.size_label
//    recomputed), the MTP blocks plus token_embd, output_norm and output
//    (and what else the architecture's head file needs: deepseek4's
//    output_hc_*), and ik_llama.cpp's output_extra (kHeadOnlyTensors);
//  - strip (convert --no-mtp): no MTP block, `<arch>.nextn_predict_layers`
//    removed, `<arch>.block_count` reduced, per-layer arrays cut to the trunk
//    (not those convert copies from the config, such as deepseek4's
//    attention.compress_ratios); no kHeadOnlyTensors;
//  - merge: the bundled model, with the trunk's keys and shared tensors
//    (token_embd, output_norm, output, and a head's extra tensors such as
//    deepseek4's output_hc_*: a bundled model has one of each), the head's
//    MTP blocks, the key and array values only the head has, in the order
//    the bundled file has them.
// Tensor bytes are always copied, never re-encoded, whatever their type.
// merge(strip(X), extract(X)) == X byte for byte.
//
// Thread safety: planning only reads the models; several plans may be made
// at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/error.h"
#include "gguf/split/model.h"
#include "gguf/plan/plan.h"

namespace gguf {

// What ik_llama.cpp does with an architecture's NextN blocks: whether its
// loader creates their tensors (so a bundled file's head runs there), and
// whether it loads a head file of its own beside a trunk (--spec-type mtp
// with the head as a companion model).
struct IkMtpSupport {
    bool reads_nextn = false;
    bool loads_head_file = false;
};

// "reads the NextN layers; loads a separate head file: no": how info and
// verify put it.
std::string ik_mtp_text(const IkMtpSupport& support);

// What differs between architectures, in one table (mtp_architectures.cpp),
// as llama.cpp v0.4.0 and v0.5.0 read NextN blocks and convert writes them,
// and as ik_llama.cpp reads them.
struct MtpArchitecture {
    std::string_view name;                               // general.architecture
    std::span<const std::string_view> required_tensors;  // "nextn.eh_proj", ...: blk.N.<x>.weight of each MTP block
    std::span<const std::string_view> trunk_length_arrays;  // key suffixes whose arrays never count MTP blocks
    bool loads_mtp_only;                                 // llama.cpp loads an MTP-only head file
    // Key suffixes whose arrays convert copies from the checkpoint's config,
    // the same in every layout: strip leaves them whatever their length.
    std::span<const std::string_view> config_arrays;
    // Tensors outside the blocks that a head file carries besides
    // kHeadSharedTensors because the loader requires them of it; convert
    // --mtp writes them among the last MTP block's tensors, right before
    // blk.N.<head_tensors_before>.weight.
    std::span<const std::string_view> head_tensors;
    std::string_view head_tensors_before;
    IkMtpSupport ik;
};

// The table entry for an architecture, or nullptr when llama.cpp reads no
// NextN blocks for it.
const MtpArchitecture* find_mtp_architecture(std::string_view name);
std::span<const MtpArchitecture> mtp_architectures();

// The tensors a head file keeps besides the MTP blocks.
inline constexpr std::string_view kHeadSharedTensors[] = {"token_embd.weight", "output_norm.weight", "output.weight"};

// Tensors outside the blocks that belong to the MTP head alone, as the MTP
// blocks do: ik_llama.cpp's --extra-output-tensor adds output_extra.weight,
// a requantized copy of the output that ik uses only as the MTP head's
// output (qwen35, qwen35moe). Extract carries them, strip removes them, and
// merge puts them back where ik writes them: right after the first of
// kHeadOnlyTensorsAfter the model has. convert never writes them, so
// general.size_label does not count them.
inline constexpr std::string_view kHeadOnlyTensors[] = {"output_extra.weight"};
inline constexpr std::string_view kHeadOnlyTensorsAfter[] = {"output.weight", "token_embd.weight"};

// Whether a tensor is one of kHeadOnlyTensors.
bool is_head_only_tensor(std::string_view tensor_name);

Result<Plan> plan_extract(const Model& bundled);
Result<Plan> plan_strip(const Model& bundled);
Result<Plan> plan_merge(const Model& trunk, const Model& head);

// The checks merge runs before planning: architecture, embedding length,
// vocabulary and tokenizer, block counts, and that the trunk has no head of
// its own. The error names the key and both values.
Status check_pair(const Model& trunk, const Model& head);

// XXH3-64 of every tokenizer.* key and value, as 16 hex digits.
std::string tokenizer_hash(const Metadata& metadata);

// general.size_label as convert computes it from the tensors it writes
// ("4x223K", "35B").
std::string size_label_for(std::span<const TensorInfo> tensors);

}  // namespace gguf
