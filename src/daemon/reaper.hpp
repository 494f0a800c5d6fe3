// Child processes from the supervisor's side: reaping every exited child (as PID 1
// or subreaper that includes orphans we never spawned), and finding the children
// that remain at shutdown. Decides nothing about units.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "supervise/lifecycle.hpp"

namespace sv::daemon {

struct Reaped {
    pid_t pid;
    supervise::ExitStatus status;
};

// waitpid(-1, WNOHANG) until nothing is left to reap.
std::vector<Reaped> reap_exited();

// True when this process has no child left at all (waitpid says ECHILD).
bool no_children_left();

// Our current children, from /proc/*/stat (ppid == getpid()).
std::vector<pid_t> list_children();

// As PID 1 we reap orphans already; otherwise ask the kernel to reparent our
// services' orphans to us (PR_SET_CHILD_SUBREAPER) so they are reaped too.
void become_subreaper();

// "exited with code 3" / "killed by signal SIGKILL"
std::string describe_exit(const supervise::ExitStatus& status);

}  // namespace sv::daemon
