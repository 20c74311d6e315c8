// The fuzz targets: one entry point per kind of untrusted input. Each takes
// arbitrary bytes and must return normally whatever they hold; a crash, a
// sanitizer report or a broken invariant (reported through abort) is a bug.
// Each returns whether the library accepted the input (false: refused with
// an error), which the regression test checks for the inputs it keeps.
//
// The libFuzzer drivers (libfuzzer_driver.cpp, one executable per target)
// and the regression test (tests/fuzz) call these same functions, so a
// crashing input kept in tests/fuzz_regressions/<name>/ replays exactly.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace gguf_fuzz {

// gguf::parse_header over the bytes of one file.
bool gguf_header(std::span<const uint8_t> data);
// gguf::Model::open over a split set: the input holds its shards.
bool split_set(std::span<const uint8_t> data);
// gguf::read_imatrix over one file (GGUF or legacy .dat).
bool imatrix(std::span<const uint8_t> data);
// gguf::check_pair and the surgery plans over a trunk and a head.
bool pairing(std::span<const uint8_t> data);

struct Target {
    std::string_view name;
    bool (*run)(std::span<const uint8_t> data);
};

inline constexpr Target kTargets[] = {
    {"gguf_header", gguf_header},
    {"split_set", split_set},
    {"imatrix", imatrix},
    {"pairing", pairing},
};

}  // namespace gguf_fuzz
