#include "compat_option.h"

namespace gguf_mtp {

std::string supported_releases_text() {
    std::string text;
    for (const auto& r : gguf::llama_releases()) {
        if (!text.empty()) text += ", ";
        text += r.name;
        if (r.release == gguf::kNewestRelease) text += " (default)";
    }
    return text;
}

void add_compat_option(CLI::App& cmd, gguf::LlamaRelease& release) {
    cmd.add_option_function<std::string>(
           "--compat", [&release](const std::string& name) { release = *gguf::parse_llama_release(name); },
           "match this llama.cpp release: " + supported_releases_text())
        ->type_name("RELEASE")
        // No description: CLI11 would append it to the type name in --help
        // ("--compat RELEASE:RELEASE"), and the option's text lists the releases.
        ->check(CLI::Validator(
            [](std::string& name) -> std::string {
                if (gguf::parse_llama_release(name)) return {};
                return "'" + name + "' is not a supported llama.cpp release (" + supported_releases_text() + ")";
            },
            ""));
}

}  // namespace gguf_mtp
