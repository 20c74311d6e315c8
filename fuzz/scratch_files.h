// Fuzz inputs that stand for several files, and a place to write them.
//
// Several files travel in one input as their bytes joined by kFileSeparator
// (a separator rather than length fields, so that libFuzzer's mutations of
// one file leave the others whole). Each input gets a fresh directory,
// removed afterwards, so no file of one input is seen by the next.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gguf_fuzz {

inline constexpr std::string_view kFileSeparator = "\n#gguf-fuzz-next-file#\n";

// The pieces of `data` between separators, at most `max_files` (the last
// piece keeps any further separators).
std::vector<std::span<const uint8_t>> split_files(std::span<const uint8_t> data, size_t max_files);

// Reports a broken invariant the way libFuzzer and the tests notice: abort.
void require(bool holds, const char* invariant);

class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    std::string path(const std::string& name) const { return (path_ / name).string(); }
    // Writes `bytes` to NAME in the directory and returns its path.
    std::string write(const std::string& name, std::span<const uint8_t> bytes) const;

private:
    std::filesystem::path path_;
};

}  // namespace gguf_fuzz
