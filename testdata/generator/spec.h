// A fixture spec: for one architecture, the exact header (keys in order,
// tensor infos in order) that llama.cpp's convert writes for each layout it
// can produce: bundled (MTP blocks included), trunk (--no-mtp) and mtp
// (--mtp). Each layout is listed in full in testdata/specs/<arch>.json, never
// derived from another, because they are the ground truth that gguf-mtp's
// strip and extract are checked against byte for byte.
#pragma once

#include <string>
#include <vector>

#include "gguf/compat/llama_release.h"
#include "gguf/error.h"
#include "gguf/format/metadata.h"
#include "gguf/format/tensor_info.h"

namespace fixtures {

struct LayoutSpec {
    std::string name;        // "bundled", "trunk" or "mtp"
    gguf::Metadata metadata;
    std::vector<gguf::TensorInfo> tensors;  // offset and n_bytes left to the writer
    // The llama.cpp releases whose libllama loads the file ("loads_in"; every
    // supported release unless the spec narrows it), and of those the ones
    // whose graph also runs it ("runs_in"; all that load it unless narrowed):
    // a variant of what a newer convert writes may not load in an older
    // release, or load there and fail to run.
    std::vector<gguf::LlamaRelease> loads_in;
    std::vector<gguf::LlamaRelease> runs_in;
};

struct ArchSpec {
    // The fixture's name, the prefix of its files: the architecture, or for a
    // variant of one (glm4moe-wide) the spec's "name".
    std::string name;
    std::string arch;  // general.architecture of every layout
    std::vector<LayoutSpec> layouts;
};

gguf::Result<ArchSpec> load_spec(const std::string& path);

}  // namespace fixtures
