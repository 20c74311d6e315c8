// A one-line progress bar on stderr, drawn only on a terminal, and the
// closing one-line summary every writing command prints.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "gguf/plan/writer.h"

namespace gguf_mtp {

// What a command reads from URLs: the bytes it needs there, and how many
// have arrived so far.
struct FetchMeter {
    uint64_t needed = 0;
    std::function<uint64_t()> fetched;  // empty: nothing is remote
};

class ProgressBar {
public:
    // `unit` names what Progress::tensors_* count ("tensors", "files").
    explicit ProgressBar(std::string label, std::string unit = "tensors");
    // From now on the bar also says "fetched X of Y", and the summary
    // "fetched X", when the meter has something remote to count.
    void show_fetch(FetchMeter meter) { fetch_ = std::move(meter); }
    // Redraws at most every 100 ms.
    void update(const gguf::Progress& p);
    // Clears the bar, for a command that prints its own summary.
    void clear();
    // Clears the bar and prints "LABEL: N tensors, SIZE in T s (RATE) -> files".
    void finish(const gguf::WriteReport& report);

private:
    std::string label_;
    std::string unit_;
    bool enabled_;
    bool drawn_ = false;
    FetchMeter fetch_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace gguf_mtp
