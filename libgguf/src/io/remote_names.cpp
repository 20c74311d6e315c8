#include "gguf/io/remote.h"

namespace gguf {

bool is_remote(std::string_view name) {
    return name.starts_with("http://") || name.starts_with("https://") || name.starts_with("hf://");
}

Result<std::string> resolve_remote(std::string_view name, const RemoteOptions& options) {
    constexpr std::string_view hub = "hf://";
    if (!name.starts_with(hub)) return std::string(name);
    // ORG/REPO[@REVISION]/FILE..., FILE possibly in folders.
    const std::string_view rest = name.substr(hub.size());
    const size_t org_end = rest.find('/');
    const size_t repo_end = org_end == std::string_view::npos ? org_end : rest.find('/', org_end + 1);
    if (org_end == 0 || repo_end == std::string_view::npos || repo_end == org_end + 1 || repo_end + 1 >= rest.size()) {
        return fail(ErrorCode::invalid_argument, std::string(name), "not a Hub file name: expected hf://ORG/REPO/FILE or hf://ORG/REPO@REVISION/FILE");
    }
    std::string repo(rest.substr(0, repo_end));
    std::string revision = "main";
    if (const size_t at = repo.find('@'); at != std::string::npos) {
        revision = repo.substr(at + 1);
        repo.resize(at);
        if (revision.empty()) return fail(ErrorCode::invalid_argument, std::string(name), "an empty revision after '@'");
    }
    std::string endpoint = options.hub_endpoint;
    while (endpoint.ends_with('/')) endpoint.pop_back();
    return endpoint + "/" + repo + "/resolve/" + revision + "/" + std::string(rest.substr(repo_end + 1));
}

}  // namespace gguf
