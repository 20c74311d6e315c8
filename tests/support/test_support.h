// Helpers for the test suite: scratch directories, whole-file I/O, and
// random but valid plans (every value type, every usable tensor type).
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gguf/plan/plan.h"
#include "gguf/split/model.h"

namespace gguf_test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    // Names of the entries in the directory, sorted.
    std::vector<std::string> listing() const;

private:
    std::filesystem::path path_;
};

std::vector<uint8_t> read_file(const std::string& path);
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);

// Deterministic bytes for a tensor, from its name and a seed.
std::vector<uint8_t> pattern_bytes(const std::string& name, uint64_t seed, size_t size);

struct RandomPlanOptions {
    size_t tensors = 12;
    size_t keys = 20;
    uint64_t alignment = 0;  // 0: leave general.alignment out (32)
    uint32_t version = 3;
    gguf::Dialect dialect = gguf::Dialect::mainline;  // types drawn from those this dialect reads
};

// A plan whose tensors are filled with pattern_bytes(name, seed).
gguf::Plan random_plan(uint64_t seed, const RandomPlanOptions& options = {});

// Writes a plan to `path` and fails the test on error.
void write_plan_or_fail(const gguf::Plan& plan, const std::string& path);

// Opens a model a test needs, throwing (which fails the test) when it cannot.
gguf::Model open_or_die(const std::string& path);

}  // namespace gguf_test
