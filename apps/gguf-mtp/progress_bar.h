// A one-line progress bar on stderr, drawn only on a terminal, and the
// closing one-line summary every writing command prints.
#pragma once

#include <chrono>
#include <string>

#include "gguf/plan/writer.h"

namespace gguf_mtp {

class ProgressBar {
public:
    // `unit` names what Progress::tensors_* count ("tensors", "files").
    explicit ProgressBar(std::string label, std::string unit = "tensors");
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
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace gguf_mtp
