// How the commands that read models reach remote ones (URLs, hf://): the
// Hub endpoint and token from the environment, the flags that change what
// is fetched.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "gguf/error.h"
#include "gguf/io/remote.h"
#include "gguf/split/model.h"

namespace gguf_mtp {

struct RemoteFlags {
    std::string token_file;
    bool allow_full_download = false;
};

// Adds --token-file and --allow-full-download to `cmd`.
void add_remote_options(CLI::App& cmd, RemoteFlags& flags);

// The options remote inputs are read with: hf:// resolves against
// $HF_ENDPOINT (else the Hub); the token is --token-file's first line, else
// $HF_TOKEN. An unreadable or empty token file is an error naming it.
gguf::Result<gguf::RemoteOptions> remote_options(const RemoteFlags& flags);

// Model::open with the remote options of `flags`, reading type ids in
// `dialect` when the user gave one (--dialect).
gguf::Result<gguf::Model> open_model(const std::string& path, gguf::OpenFor purpose, const RemoteFlags& flags,
                                     std::optional<gguf::Dialect> dialect);

}  // namespace gguf_mtp
