#include "termination.h"

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <iterator>

namespace gguf_mtp {
namespace {

constexpr int kSignals[] = {SIGTERM, SIGINT, SIGHUP};

volatile sig_atomic_t caught = 0;
volatile sig_atomic_t child_pid = 0;  // a pid_t, which sig_atomic_t holds on Linux
struct sigaction previous[std::size(kSignals)];
bool installed[std::size(kSignals)] = {};

// SIGCONT too, as Slurm sends it: a stopped child would otherwise not end.
void pass_on(pid_t child, int sig) {
    ::kill(child, sig);
    ::kill(child, SIGCONT);
}

void on_termination(int sig) {
    const int saved_errno = errno;
    if (caught == 0) caught = sig;
    if (const pid_t child = child_pid; child > 0) pass_on(child, sig);
    errno = saved_errno;
}

}  // namespace

TerminationCatcher::TerminationCatcher() {
    struct sigaction action {};
    action.sa_handler = on_termination;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a blocking flock then returns EINTR, and the wait ends.
    action.sa_flags = 0;
    for (size_t i = 0; i < std::size(kSignals); ++i) {
        struct sigaction current {};
        if (::sigaction(kSignals[i], nullptr, &current) != 0 || current.sa_handler == SIG_IGN) continue;
        installed[i] = ::sigaction(kSignals[i], &action, &previous[i]) == 0;
    }
}

TerminationCatcher::~TerminationCatcher() {
    for (size_t i = 0; i < std::size(kSignals); ++i) {
        if (installed[i]) ::sigaction(kSignals[i], &previous[i], nullptr);
        installed[i] = false;
    }
}

int termination_signal() { return caught; }

std::string termination_signal_name() {
    const char* abbreviation = sigabbrev_np(caught);
    return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(caught);
}

void pass_termination_to(pid_t child) {
    child_pid = child;
    if (const int sig = caught; child > 0 && sig != 0) pass_on(child, sig);
}

}  // namespace gguf_mtp
