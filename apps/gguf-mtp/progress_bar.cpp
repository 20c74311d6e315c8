#include "progress_bar.h"

#include <cstdio>

#include "cli_support.h"

namespace gguf_mtp {

using Clock = std::chrono::steady_clock;

ProgressBar::ProgressBar(std::string label, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), enabled_(stderr_is_terminal()), start_(Clock::now()), last_draw_(start_) {}

void ProgressBar::update(const gguf::Progress& p) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100) && p.tensors_done != p.tensors_total) return;
    last_draw_ = now;
    const double fraction = p.bytes_total ? double(p.bytes_done) / double(p.bytes_total) : 1.0;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(filled, '#');
    bar.resize(kWidth, '.');
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = fraction > 0 ? elapsed / fraction - elapsed : 0;
    std::string fetched;
    if (fetch_.fetched) fetched = ", fetched " + format_bytes(fetch_.fetched()) + " of " + format_bytes(fetch_.needed);
    std::fprintf(stderr, "\r%s [%s] %3.0f%% %zu/%zu %s, %s%s, ETA %.0f s ", label_.c_str(), bar.c_str(), fraction * 100,
                 p.tensors_done, p.tensors_total, unit_.c_str(), format_bytes(p.bytes_done).c_str(), fetched.c_str(), eta);
    drawn_ = true;
}

void ProgressBar::clear() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
}

void ProgressBar::finish(const gguf::WriteReport& report) {
    clear();
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = seconds > 0 ? double(report.bytes_written) / seconds : 0;
    std::string files;
    for (size_t i = 0; i < report.files.size() && i < 3; ++i) files += (i ? ", " : "") + report.files[i].path;
    if (report.files.size() > 3) files += ", ... (" + std::to_string(report.files.size()) + " files)";
    const std::string fetched = fetch_.fetched ? ", fetched " + format_bytes(fetch_.fetched()) : "";
    std::fprintf(stderr, "%s: %zu tensors, %s in %.2f s (%s/s)%s -> %s\n", label_.c_str(), report.tensors_written,
                 format_bytes(report.bytes_written).c_str(), seconds, format_bytes(static_cast<uint64_t>(rate)).c_str(),
                 fetched.c_str(), files.c_str());
}

}  // namespace gguf_mtp
