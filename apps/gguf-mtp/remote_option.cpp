#include "remote_option.h"

#include <cstdlib>
#include <fstream>

namespace gguf_mtp {

void add_remote_options(CLI::App& cmd, RemoteFlags& flags) {
    cmd.add_option("--token-file", flags.token_file, "file holding the Hub token for gated or private remote models (else $HF_TOKEN)")
        ->type_name("FILE");
    cmd.add_flag("--allow-full-download", flags.allow_full_download,
                 "read a remote model through whole-file answers when its server ignores HTTP range requests");
}

gguf::Result<gguf::RemoteOptions> remote_options(const RemoteFlags& flags) {
    gguf::RemoteOptions options;
    options.allow_full_download = flags.allow_full_download;
    if (const char* endpoint = std::getenv("HF_ENDPOINT"); endpoint && *endpoint) options.hub_endpoint = endpoint;
    if (!flags.token_file.empty()) {
        std::ifstream in(flags.token_file);
        if (!in) return gguf::fail(gguf::ErrorCode::io, flags.token_file, "cannot read the token file");
        std::getline(in, options.token);
        while (!options.token.empty() && (options.token.back() == '\r' || options.token.back() == ' ')) options.token.pop_back();
        if (options.token.empty()) return gguf::fail(gguf::ErrorCode::invalid_argument, flags.token_file, "the token file's first line is empty");
    } else if (const char* token = std::getenv("HF_TOKEN"); token && *token) {
        options.token = token;
    }
    return options;
}

gguf::Result<gguf::Model> open_model(const std::string& path, gguf::OpenFor purpose, const RemoteFlags& flags,
                                     std::optional<gguf::Dialect> dialect) {
    auto remote = remote_options(flags);
    if (!remote) return std::unexpected(remote.error());
    return gguf::Model::open(path, purpose, gguf::ReadOptions{*remote, dialect});
}

}  // namespace gguf_mtp
