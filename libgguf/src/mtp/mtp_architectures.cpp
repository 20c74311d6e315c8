// The architectures whose NextN blocks llama.cpp v0.4.0 and v0.5.0 read, and
// what differs between them. Read from src/models/<arch>.cpp of the
// reference releases: which per-block tensors a loader requires of an MTP
// block, which per-layer arrays it reads for the trunk only (every other
// per-layer array counts all blocks), and whether it loads a file without
// trunk (its probe for blk.0.attn_norm.weight). From conversion/*.py: the
// arrays convert copies from the checkpoint's config instead of writing one
// entry per block, and the tensors besides token_embd, output_norm and
// output that a head file carries. ik_llama.cpp's column is read from its
// src/llama-load-tensors.cpp (which create_*_tensors create NextN tensors,
// and which accept a file without trunk) and llama_model_mtp_package in
// src/llama-model.cpp (which architectures take a separate head file).
#include <array>

#include "gguf/mtp/mtp_surgery.h"

namespace gguf {
namespace {

constexpr std::string_view kNextn[] = {"nextn.eh_proj", "nextn.enorm", "nextn.hnorm"};
constexpr std::string_view kNextnSharedHeadNorm[] = {"nextn.eh_proj", "nextn.enorm", "nextn.hnorm", "nextn.shared_head_norm"};
// Ling/Ring keep the head's final norm under the ordinary layer name.
constexpr std::string_view kNextnLayerOutputNorm[] = {"nextn.eh_proj", "nextn.enorm", "nextn.hnorm", "layer_output_norm"};
constexpr std::span<const std::string_view> kAllOptional;  // dots3note creates every NextN tensor as optional

constexpr std::span<const std::string_view> kNoTrunkArrays;
constexpr std::string_view kIndexerTypes[] = {"attention.indexer.types"};
constexpr std::string_view kSlidingWindowPattern[] = {"attention.sliding_window_pattern"};

constexpr std::span<const std::string_view> kNoConfigArrays;
// DeepSeek-V4's config lists a compression ratio for every block, the MTP
// block's included (a trailing 0), and convert writes that list as it is:
// the --no-mtp file keeps the MTP block's entry, which the loader accepts
// (it wants at least one entry per block).
constexpr std::string_view kCompressRatios[] = {"attention.compress_ratios"};

constexpr std::span<const std::string_view> kNoHeadTensors;
// deepseek4 requires its hyper-connection head in every file; convert --mtp
// writes the MTP checkpoint's own (mtp.N.hc_head_*), whose names sort
// between the block's hc_ffn_* and nextn.hnorm.
constexpr std::string_view kHyperConnectionHead[] = {"output_hc_base.weight", "output_hc_fn.weight", "output_hc_scale.weight"};

constexpr IkMtpSupport kIkIgnores{false, false};
constexpr IkMtpSupport kIkReads{true, false};
constexpr IkMtpSupport kIkReadsAndLoadsHeads{true, true};

constexpr std::array kArchitectures = {
    MtpArchitecture{"bailingmoe2", kNextnLayerOutputNorm, kNoTrunkArrays, false, kNoConfigArrays, kNoHeadTensors, "", kIkReads},
    MtpArchitecture{"bailingmoe3", kNextnLayerOutputNorm, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkReads},
    MtpArchitecture{"cohere2moe", kNextn, kSlidingWindowPattern, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"deepseek2", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"deepseek32", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"deepseek4", kNextn, kNoTrunkArrays, true, kCompressRatios, kHyperConnectionHead, "nextn.hnorm", kIkReadsAndLoadsHeads},
    MtpArchitecture{"dots3note", kAllOptional, kNoTrunkArrays, false, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"exaone-moe", kNextn, kNoTrunkArrays, false, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"exaone4", kNextn, kNoTrunkArrays, false, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"glm-dsa", kNextn, kIndexerTypes, true, kNoConfigArrays, kNoHeadTensors, "", kIkReads},
    MtpArchitecture{"glm4", kNextn, kNoTrunkArrays, false, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"glm4moe", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkReads},
    MtpArchitecture{"hy_v3", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"mimo2", kNextn, kSlidingWindowPattern, false, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"mistral4", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"nemotron_h", kNextnSharedHeadNorm, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"nemotron_h_moe", kNextnSharedHeadNorm, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"qwen35", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkReads},
    MtpArchitecture{"qwen35moe", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkReads},
    MtpArchitecture{"qwen3next", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkIgnores},
    MtpArchitecture{"step35", kNextn, kNoTrunkArrays, true, kNoConfigArrays, kNoHeadTensors, "", kIkReadsAndLoadsHeads},
};

}  // namespace

std::span<const MtpArchitecture> mtp_architectures() { return kArchitectures; }

std::string ik_mtp_text(const IkMtpSupport& support) {
    return std::string(support.reads_nextn ? "reads the NextN layers" : "does not read the NextN layers") +
           "; loads a separate head file: " + (support.loads_head_file ? "yes" : "no");
}

const MtpArchitecture* find_mtp_architecture(std::string_view name) {
    for (const auto& a : kArchitectures) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

}  // namespace gguf
