#include "scratch_files.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace gguf_fuzz {

std::vector<std::span<const uint8_t>> split_files(std::span<const uint8_t> data, size_t max_files) {
    std::vector<std::span<const uint8_t>> files;
    const auto* sep = reinterpret_cast<const uint8_t*>(kFileSeparator.data());
    auto rest = data;
    while (files.size() + 1 < max_files) {
        auto at = std::search(rest.begin(), rest.end(), sep, sep + kFileSeparator.size());
        if (at == rest.end()) break;
        const auto length = static_cast<size_t>(at - rest.begin());
        files.push_back(rest.first(length));
        rest = rest.subspan(length + kFileSeparator.size());
    }
    files.push_back(rest);
    return files;
}

void require(bool holds, const char* invariant) {
    if (holds) return;
    std::fprintf(stderr, "gguf fuzz: invariant broken: %s\n", invariant);
    std::abort();
}

ScratchDir::ScratchDir() {
    // tmpfs when there is one: every input writes its files.
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string base = tmpdir && *tmpdir ? tmpdir : std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/gguf-fuzz.XXXXXX";
    require(::mkdtemp(pattern.data()) != nullptr, "a scratch directory can be created");
    path_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::write(const std::string& name, std::span<const uint8_t> bytes) const {
    std::ofstream out(path(name), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.close();
    require(out.good(), "a scratch file can be written");
    return path(name);
}

}  // namespace gguf_fuzz
