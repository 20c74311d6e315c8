// Shard file names of a split GGUF set, as llama.cpp names them:
// PREFIX-00001-of-00003.gguf (llama_split_path / llama_split_prefix).
//
// Thread safety: functions of their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace gguf {

struct SplitName {
    std::string prefix;   // path without the "-0000N-of-0000M.gguf" suffix
    uint32_t index = 0;   // 0-based
    uint32_t count = 0;
};

// PREFIX-%05d-of-%05d.gguf with a 1-based shard number.
std::string split_path(const std::string& prefix, uint32_t index, uint32_t count);

// Recognises a shard name; nullopt for any other path.
std::optional<SplitName> parse_split_path(const std::string& path);

// The prefix a user means by an output name: "out.gguf" and "out" both give
// "out" (llama-gguf-split takes a bare prefix).
std::string output_prefix(const std::string& path);

}  // namespace gguf
