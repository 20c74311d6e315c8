// A request to terminate (SIGTERM: kill, Slurm's scancel, a shutdown;
// SIGINT: Ctrl-C; SIGHUP: a closed terminal) caught for the length of a
// batch-model run rather than ending the process on the spot, so that the
// run can take back the outputs it made and no manifest lists yet: a
// cancelled job must leave nothing under a final name that the next run
// would refuse to replace. Lock waits give up when one arrives (FileLock),
// and the command running as a child gets it too.
#pragma once

#include <sys/types.h>

#include <string>

namespace gguf_mtp {

class TerminationCatcher {
public:
    // Catches the signals, but those ignored already (nohup, a shell's
    // background job): whoever ignored them meant it.
    TerminationCatcher();
    // Puts the previous handlers back.
    ~TerminationCatcher();
    TerminationCatcher(const TerminationCatcher&) = delete;
    TerminationCatcher& operator=(const TerminationCatcher&) = delete;
};

// The signal caught, 0 when none has been.
int termination_signal();
// Its name, "SIGTERM", the same in every locale.
std::string termination_signal_name();

// Names the child a termination is passed on to while it runs (0: none);
// one caught already is passed on at once.
void pass_termination_to(pid_t child);

}  // namespace gguf_mtp
