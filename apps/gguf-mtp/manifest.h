// Batch manifests (schema gguf-mtp-manifest/1, documented in
// gguf-mtp-verify(1)): the JSON document lives in the app, the hashing and
// checking in libgguf (file_hash.h, verify.h, whole_file.h). verify
// --manifest and batch-model read manifests through read_manifest alone.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/error.h"
#include "gguf/io/file_hash.h"
#include "gguf/verify/verify.h"

namespace gguf_mtp {

inline constexpr const char* kManifestSchema = "gguf-mtp-manifest/1";

struct Manifest {
    nlohmann::json document;
    std::vector<gguf::ListedOutput> outputs;  // document's "outputs", checked
};

// A manifest, checked as far as its readers depend on it: the schema name,
// every output's path, size and hash, and the shape of "commands" and
// "models" where present. An error names the manifest and the first entry
// that does not follow the schema. Fields the schema does not name are kept
// in the document, so manifests may carry more than this version knows.
gguf::Result<Manifest> read_manifest(const std::string& path);

// The output entry for a hashed file, as manifests and `gguf-mtp hash --json`
// write it: { "path", "bytes", "xxh3_128" }.
nlohmann::json output_entry(const std::string& path, const gguf::FileHash& hash);

// A batch run's view of a manifest's outputs: each entry with its command
// inline (the object, null when it has none) instead of an index, as runs
// compare and record them.
nlohmann::json outputs_with_commands(const nlohmann::json& document);

// The "models" entry of the model at `source` (relative to the manifest's
// folder), or null.
nlohmann::json model_record(const nlohmann::json& document, const std::string& source);

bool lists_output(const nlohmann::json& document, const std::string& path);

// The manifest once a batch run of one model is recorded in `previous` (null
// for a repo without one): `model` replaces that model's "models" entry,
// `outputs` (commands inline, in the order the run made them) replace the
// entries of the same paths, and other entries of the model stay listed
// (outputs of runs with other options). Models are sorted by source and
// outputs grouped by model, so the result does not depend on the order in
// which models finished; an output whose source has no "models" entry is
// dropped. "inputs", "commands" and "seconds" are derived from the rest.
nlohmann::json record_model_run(const nlohmann::json& previous, const nlohmann::json& model, const nlohmann::json& outputs,
                                const std::string& gguf_mtp_version, const std::string& created);

// Whether a new manifest says more than `previous` (null: none) besides
// when it was written: a rerun that did nothing rewrites nothing.
bool changes_manifest(const nlohmann::json& previous, const nlohmann::json& updated);

// Writes the manifest as every output is written (gguf/io/whole_file.h).
gguf::Status write_manifest(const std::string& path, const nlohmann::json& document);

}  // namespace gguf_mtp
