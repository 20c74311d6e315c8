#include "batch_inputs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "gguf/io/remote.h"

namespace gguf_mtp {
namespace fs = std::filesystem;

namespace {

bool looks_like_imatrix(const std::string& name) {
    return name.ends_with(".imatrix") || name.ends_with(".dat") || (name.starts_with("imatrix") && name.ends_with(".gguf"));
}

// { path, bytes, modified } of a local file. The modification time (in
// nanoseconds, as stat gives it) is there because a replaced model of the same
// size is a changed input: by size alone a rerun kept outputs made from the
// old one.
gguf::Result<nlohmann::json> local_entry(const fs::path& path, const fs::path& manifest_folder) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return gguf::fail(gguf::ErrorCode::io, path.string(), std::string("cannot read its size and time: ") + std::strerror(errno));
    }
    const int64_t modified = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return nlohmann::json{{"path", relative_path(path, manifest_folder)}, {"bytes", uint64_t(st.st_size)}, {"modified_ns", modified}};
}

}  // namespace

std::string relative_path(const fs::path& path, const fs::path& folder) {
    return path.lexically_relative(folder).lexically_normal().string();
}

gguf::Result<std::optional<fs::path>> imatrix_beside(const fs::path& model_folder) {
    std::vector<fs::path> found;
    std::error_code error;
    for (fs::directory_iterator it(model_folder, error), end; !error && it != end; it.increment(error)) {
        // Regular files only, not links to them: a link is someone's
        // arrangement to be named with --imatrix, not a find.
        std::error_code unreadable;
        if (it->symlink_status(unreadable).type() == fs::file_type::regular && looks_like_imatrix(it->path().filename().string())) {
            found.push_back(it->path());
        }
    }
    if (error) return gguf::fail(gguf::ErrorCode::io, model_folder.string(), "cannot list the folder: " + error.message());
    if (found.empty()) return std::nullopt;
    if (found.size() > 1) {
        std::sort(found.begin(), found.end());
        std::string names;
        for (const auto& f : found) names += (names.empty() ? "" : " ") + f.filename().string();
        return gguf::fail(gguf::ErrorCode::invalid_argument, model_folder.string(),
                          "several imatrix files (" + names + "); choose one with --imatrix or --no-imatrix");
    }
    return found.front();
}

gguf::Result<nlohmann::json> input_entries(const gguf::Model& model, const std::optional<fs::path>& imatrix,
                                           const fs::path& manifest_folder) {
    nlohmann::json inputs = nlohmann::json::array();
    for (uint32_t s = 0; s < model.shard_count(); ++s) {
        const auto& shard = model.shard(s);
        if (!gguf::is_remote(shard.path())) {
            auto entry = local_entry(shard.path(), manifest_folder);
            if (!entry) return std::unexpected(entry.error());
            inputs.push_back(std::move(*entry));
            continue;
        }
        // A URL as given, with what its server said identifies the version.
        nlohmann::json entry = {{"path", shard.path()}, {"bytes", shard.file_size()}};
        const gguf::RemoteVersion& version = shard.remote_version();
        for (const auto& [key, value] : {std::pair{"etag", &version.etag}, {"last_modified", &version.last_modified}, {"commit", &version.commit}}) {
            if (!value->empty()) entry[key] = *value;
        }
        inputs.push_back(std::move(entry));
    }
    if (imatrix) {
        auto entry = local_entry(*imatrix, manifest_folder);
        if (!entry) return std::unexpected(entry.error());
        inputs.push_back(std::move(*entry));
    }
    return inputs;
}

}  // namespace gguf_mtp
