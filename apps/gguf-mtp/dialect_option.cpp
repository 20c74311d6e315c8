#include "dialect_option.h"

namespace gguf_mtp {

void add_dialect_option(CLI::App& cmd, std::optional<gguf::Dialect>& dialect) {
    cmd.add_option_function<std::string>(
           "--dialect",
           [&dialect](const std::string& word) {
               if (word == "mainline") dialect = gguf::Dialect::mainline;
               else if (word == "ik") dialect = gguf::Dialect::ik_llama;
               else dialect.reset();
           },
           "read tensor type ids as llama.cpp (mainline) or ik_llama.cpp (ik) assigns them; auto (the default) "
           "decides from each file; a file holding an id only the other assigns is an error")
        ->type_name("auto|mainline|ik")
        // No description: CLI11 would append the choices to the type name in
        // --help, which lists them already.
        ->check(CLI::IsMember({"auto", "mainline", "ik"}).description(""));
}

}  // namespace gguf_mtp
