// The architectures whose NextN blocks llama.cpp v0.4.0 reads, and what
// differs between them. Sources: src/models/<arch>.cpp of the reference
// release (see MTP-FORMAT.md and the issue notes for line references).
#include <array>

#include "gguf/mtp_surgery.h"

namespace gguf {
namespace {

constexpr std::string_view kEhEnormHnorm[] = {"eh_proj", "enorm", "hnorm"};
constexpr std::string_view kWithSharedHeadNorm[] = {"eh_proj", "enorm", "hnorm", "shared_head_norm"};
constexpr std::string_view kNone[] = {""};
constexpr std::span<const std::string_view> kNoArrays(kNone, 0);
// glm-dsa reads its indexer layer types for the trunk only (glm-dsa.cpp, n_layer()).
constexpr std::string_view kGlmDsaTrunkArrays[] = {"attention.indexer.types"};
// mimo2 and cohere2moe read the sliding-window pattern for the trunk only.
constexpr std::string_view kSlidingWindowTrunk[] = {"attention.sliding_window_pattern"};

constexpr std::array kArchitectures = {
    MtpArchitecture{"qwen35", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"qwen35moe", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"qwen3next", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"glm4moe", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"deepseek2", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"deepseek32", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"glm-dsa", kEhEnormHnorm, kGlmDsaTrunkArrays, true},
    MtpArchitecture{"step35", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"hy_v3", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"bailingmoe3", kEhEnormHnorm, kNoArrays, true},
    MtpArchitecture{"nemotron_h_moe", kWithSharedHeadNorm, kNoArrays, true},
    MtpArchitecture{"mimo2", kEhEnormHnorm, kSlidingWindowTrunk, false},
    MtpArchitecture{"cohere2moe", kEhEnormHnorm, kSlidingWindowTrunk, false},
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
