// The two halves of parse_header, for callers that want every problem with a
// file's data section rather than the first: `gguf-mtp verify` reports each
// misaligned, overlapping or truncated tensor of a damaged file in one run.
#pragma once

#include <functional>
#include <vector>

#include "gguf/format/gguf_file.h"

namespace gguf::detail {

// Told, as the parser moves on, how many bytes from the start of `bytes` it
// is done with (it never reads them again and keeps no reference to them),
// so a caller parsing a mapping can let their pages go: a header's
// tokenizer is then in memory once, as the values' copies, not twice.
using ParsedUpTo = std::function<void(uint64_t parsed)>;

// Parses and checks everything up to the data section (keys, tensor infos,
// the data offset), but not where each tensor's data lies.
Result<GgufHeader> parse_header_layout(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& file_name,
                                       const ParsedUpTo& parsed_up_to = {}, std::optional<Dialect> dialect = std::nullopt);

// gguf::parse_header, telling `parsed_up_to` how far it got.
Result<GgufHeader> parse_header(std::span<const uint8_t> bytes, uint64_t file_size, const std::string& file_name,
                                const ParsedUpTo& parsed_up_to, std::optional<Dialect> dialect);

struct ExtentProblem {
    std::string tensor;
    Error error;
};

// Every tensor whose data is misaligned, runs past the end of the file or
// overlaps an earlier tensor's, in data order. Empty for a sound file. When
// the dialect was guessed (not `forced`) and a tensor's size depends on it,
// each message says the other dialect may be needed.
std::vector<ExtentProblem> data_extent_problems(const GgufHeader& header, uint64_t file_size, const std::string& file_name,
                                                std::optional<Dialect> forced = std::nullopt);

}  // namespace gguf::detail
