// Inputs named by URL instead of path: http://, https://, and
// hf://ORG/REPO/FILE (or hf://ORG/REPO@REVISION/FILE), which resolves as the
// Hugging Face Hub does, to ENDPOINT/ORG/REPO/resolve/REVISION/FILE. They
// are read with HTTP range requests, so only the bytes a command needs
// cross the network: the header, grown in steps until it parses, then the
// tensors it reads. Every answer is checked (status, Content-Range, length,
// an ETag and size that stay the same); timeouts, cut connections and 5xx
// answers are retried with backoff.
//
// Thread safety: RemoteOptions is a plain value; reads of one remote input
// may run on several threads at once (each on its own connection).
#pragma once

#include <string>
#include <string_view>

#include "gguf/error.h"

namespace gguf {

struct RemoteOptions {
    std::string hub_endpoint = "https://huggingface.co";  // where hf:// names resolve ($HF_ENDPOINT)
    std::string token;               // sent as a bearer token, to the first host only; never in messages
    bool allow_full_download = false;  // read through whole-file answers of a server that ignores Range
    unsigned attempts = 4;           // tries per request on timeouts, cut connections and 5xx
    long stall_seconds = 30;         // a request that receives nothing this long is cut (and retried)
};

// What identifies the version of a remote file the server gave, as its
// first answer said (each empty where the server sends none): an unchanged
// version with the same size is the same file.
struct RemoteVersion {
    std::string etag;
    std::string last_modified;
    std::string commit;  // the Hub's X-Repo-Commit: the revision a name resolved to
};

// Whether `name` is a URL gguf-mtp reads remotely (http://, https://, hf://).
bool is_remote(std::string_view name);

// The http(s) URL a remote name reads from: hf:// resolved against the
// endpoint, http(s):// as it is; an error names what is malformed.
Result<std::string> resolve_remote(std::string_view name, const RemoteOptions& options);

}  // namespace gguf
