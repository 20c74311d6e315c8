// Parsing of the quantize options that are values, not flags.
#include <cstdlib>
#include <string>

#include "gguf/quant/cpu/quantize.h"
#include "gguf/quant/quantize_plan.h"

namespace gguf {

Result<MissingImportancePolicy> parse_missing_importance_policy(std::string_view text) {
    if (text == "error") return MissingImportancePolicy{MissingImportanceAction::error};
    if (text == "uniform") return MissingImportancePolicy{MissingImportanceAction::uniform};
    constexpr std::string_view prefix = "fallback:";
    if (text.substr(0, prefix.size()) == prefix) {
        auto type = type_from_name(text.substr(prefix.size()));
        if (!type) return fail(ErrorCode::invalid_argument, "", "'" + std::string(text.substr(prefix.size())) + "' is not a tensor type");
        if (requires_importance(*type) || refused_without_imatrix("", *type, FileType::all_f32)) {
            return fail(ErrorCode::invalid_argument, "", "the fallback type " + std::string(type_display_name(*type)) +
                                                             " itself needs importance data");
        }
        return MissingImportancePolicy{MissingImportanceAction::fallback, *type};
    }
    return fail(ErrorCode::invalid_argument, "", "'" + std::string(text) + "' is not error, uniform or fallback:TYPE");
}

std::string missing_importance_policy_name(const MissingImportancePolicy& policy) {
    switch (policy.action) {
        case MissingImportanceAction::error: return "error";
        case MissingImportanceAction::uniform: return "uniform";
        case MissingImportanceAction::fallback: break;
    }
    return "fallback:" + std::string(type_display_name(policy.fallback_type));
}

Result<KeyOverride> parse_key_override(std::string_view text) {
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq >= 128) {
        return fail(ErrorCode::invalid_argument, "", "'" + std::string(text) + "' is not KEY=TYPE:VALUE (key of 1 to 127 bytes)");
    }
    KeyOverride out{std::string(text.substr(0, eq)), Value::u32(0)};
    const std::string rest(text.substr(eq + 1));
    auto starts = [&](std::string_view p) { return rest.compare(0, p.size(), p) == 0; };
    if (starts("int:")) {
        // llama-quantize stores integer overrides as u32 of the absolute value.
        out.value = Value::u32(static_cast<uint32_t>(std::labs(std::strtol(rest.c_str() + 4, nullptr, 10))));
    } else if (starts("float:")) {
        out.value = Value::f32(static_cast<float>(std::strtod(rest.c_str() + 6, nullptr)));
    } else if (starts("bool:")) {
        const std::string v = rest.substr(5);
        if (v != "true" && v != "false") return fail(ErrorCode::invalid_argument, "", "'" + std::string(text) + "': bool must be true or false");
        out.value = Value::boolean(v == "true");
    } else if (starts("str:")) {
        if (rest.size() - 4 > 127) return fail(ErrorCode::invalid_argument, "", "'" + std::string(text) + "': strings are at most 127 bytes");
        out.value = Value::string(rest.substr(4));
    } else {
        return fail(ErrorCode::invalid_argument, "", "'" + std::string(text) + "': TYPE must be int, float, bool or str");
    }
    return out;
}

}  // namespace gguf
