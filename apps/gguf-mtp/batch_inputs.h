// The files a batch run of one model reads, as its manifest names them:
// relative to the manifest's folder, so that a repo can move as a whole.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gguf/error.h"
#include "gguf/split/model.h"

namespace gguf_mtp {

// `path` relative to `folder`, both absolute with symbolic links resolved
// (std::filesystem::weakly_canonical): what `realpath -m --relative-to=FOLDER`
// prints, without "./".
std::string relative_path(const std::filesystem::path& path, const std::filesystem::path& folder);

// The importance matrix beside a model when none is named: the one
// *.imatrix, imatrix*.gguf or *.dat file in its folder. nullopt when there is
// none; several are an error, since guessing could quantize with the wrong one.
gguf::Result<std::optional<std::filesystem::path>> imatrix_beside(const std::filesystem::path& model_folder);

// { path, bytes, modified_ns } for every file of the model and the imatrix,
// if any; a
// URL's entry names it as given and adds the "etag", "last_modified" and
// "commit" its server gave (gguf::RemoteVersion), so that a rerun sees a
// new version of the file as a changed input.
gguf::Result<nlohmann::json> input_entries(const gguf::Model& model, const std::optional<std::filesystem::path>& imatrix,
                                           const std::filesystem::path& manifest_folder);

}  // namespace gguf_mtp
