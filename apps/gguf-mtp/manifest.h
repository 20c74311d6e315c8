// Batch manifests (schema gguf-mtp-manifest/1, documented in
// gguf-mtp-verify(1)): JSON lives in the app, the hashing and checking in
// libgguf (file_hash.h, verify.h).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/error.h"
#include "gguf/io/file_hash.h"
#include "gguf/verify/verify.h"

namespace gguf_mtp {

inline constexpr const char* kManifestSchema = "gguf-mtp-manifest/1";

// The outputs a manifest lists; an error names the manifest and the entry
// that does not follow the schema. Fields the schema does not need are not
// read, so manifests may carry more than this version knows.
gguf::Result<std::vector<gguf::ListedOutput>> read_manifest_outputs(const std::string& path);

// The output entry for a hashed file, as manifests and `gguf-mtp hash --json`
// write it: { "path", "bytes", "xxh3_128" }.
nlohmann::json output_entry(const std::string& path, const gguf::FileHash& hash);

}  // namespace gguf_mtp
