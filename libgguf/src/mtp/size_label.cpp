// convert_hf_to_gguf's size label: parameters counted per tensor, tensors
// with "_exps." in their name and 3+ dimensions counted once per expert, and
// a rounded notation with at least two significant digits. Arithmetic is done
// in doubles exactly as Python does it, so labels match character for
// character.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "gguf/mtp/mtp_surgery.h"

namespace gguf {
namespace {

std::string rounded_notation(uint64_t count) {
    const double n = static_cast<double>(count);
    double scaled;
    const char* suffix;
    if (n > 1e12) { scaled = n * 1e-12; suffix = "T"; }
    else if (n > 1e9) { scaled = n * 1e-9; suffix = "B"; }
    else if (n > 1e6) { scaled = n * 1e-6; suffix = "M"; }
    else { scaled = n * 1e-3; suffix = "K"; }
    // Python: len(str(round(scaled)).lstrip('0')); round() halves to even, as nearbyint does.
    const double whole = std::nearbyint(scaled);
    int digits = 0;
    for (double w = whole; w >= 1; w = std::floor(w / 10)) ++digits;
    const int decimals = std::max(2 - digits, 0);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f%s", decimals, scaled, suffix);
    return buf;
}

}  // namespace

bool is_head_only_tensor(std::string_view tensor_name) {
    return std::ranges::find(kHeadOnlyTensors, tensor_name) != std::end(kHeadOnlyTensors);
}

std::string size_label_for(std::span<const TensorInfo> tensors) {
    uint64_t total = 0, shared = 0, expert = 0, expert_sum = 0, expert_tensors = 0;
    for (const auto& t : tensors) {
        if (is_head_only_tensor(t.name)) continue;
        const uint64_t size = t.n_elements();
        total += size;
        if (t.name.find("_exps.") != std::string::npos && t.n_dims >= 3) {
            // numpy's shape[-3] is ggml's ne[2], shape[-2] is ne[1] (biases count experts there).
            const bool bias = t.name.find(".bias") != std::string::npos;
            const uint64_t experts = bias ? t.ne[1] : t.ne[2];
            if (experts > 0) {
                expert += size / experts;
                expert_sum += experts;
                ++expert_tensors;
                continue;
            }
        }
        shared += size;
    }
    const uint64_t experts = expert_tensors ? expert_sum / expert_tensors : 0;
    if (experts > 0) return std::to_string(experts) + "x" + rounded_notation(shared + expert);
    return rounded_notation(total);
}

}  // namespace gguf
