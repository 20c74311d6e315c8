// The architectures whose NextN blocks llama.cpp v0.4.0 reads, and what
// differs between them. Read from src/models/<arch>.cpp of the reference
// release: which per-block tensors a loader requires of an MTP block, which
// per-layer arrays it reads for the trunk only (every other per-layer array
// counts all blocks), and whether it loads a file without trunk (its probe
// for blk.0.attn_norm.weight).
#include <array>

#include "gguf/mtp_surgery.h"

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

constexpr std::array kArchitectures = {
    MtpArchitecture{"bailingmoe2", kNextnLayerOutputNorm, kNoTrunkArrays, false},
    MtpArchitecture{"bailingmoe3", kNextnLayerOutputNorm, kNoTrunkArrays, true},
    MtpArchitecture{"cohere2moe", kNextn, kSlidingWindowPattern, true},
    MtpArchitecture{"deepseek2", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"deepseek32", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"dots3note", kAllOptional, kNoTrunkArrays, false},
    MtpArchitecture{"exaone-moe", kNextn, kNoTrunkArrays, false},
    MtpArchitecture{"exaone4", kNextn, kNoTrunkArrays, false},
    MtpArchitecture{"glm-dsa", kNextn, kIndexerTypes, true},
    MtpArchitecture{"glm4", kNextn, kNoTrunkArrays, false},
    MtpArchitecture{"glm4moe", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"hy_v3", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"mimo2", kNextn, kSlidingWindowPattern, false},
    MtpArchitecture{"mistral4", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"nemotron_h", kNextnSharedHeadNorm, kNoTrunkArrays, true},
    MtpArchitecture{"nemotron_h_moe", kNextnSharedHeadNorm, kNoTrunkArrays, true},
    MtpArchitecture{"qwen35", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"qwen35moe", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"qwen3next", kNextn, kNoTrunkArrays, true},
    MtpArchitecture{"step35", kNextn, kNoTrunkArrays, true},
};

}  // namespace

std::span<const MtpArchitecture> mtp_architectures() { return kArchitectures; }

const MtpArchitecture* find_mtp_architecture(std::string_view name) {
    for (const auto& a : kArchitectures) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

}  // namespace gguf
