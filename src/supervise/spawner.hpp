// The Spawner: the only place in sockvisor that creates processes. It applies a
// ChildPlan in a clone(CLONE_VM | CLONE_VFORK) child with async-signal-safe calls
// only, and learns of a failed step through shared memory. It never builds
// argv/envp (that is ChildPlan) and never logs. Not thread-safe: one shared child
// stack, used from the event-loop thread only.
#pragma once

#include <sys/types.h>

#include "activation/child_plan.hpp"
#include "base/result.hpp"

namespace sv::supervise {

struct Spawned {
    pid_t pid = -1;  // the caller learns of its exit through SIGCHLD (daemon/reaper)
};

// Clones, applies `plan` in the child and execs plan.path. Returns once the child
// has exec'd (sockvisord is suspended until then). If any step in the child fails
// (chdir, setuid, execve, ...), the child is reaped here and the error names the
// step and the program: "cannot execve '/usr/bin/x': No such file or directory".
// The child exits 127 when execve said ENOENT, 126 for any other failure (tini).
// Blocks until the exec: a plan whose working directory hangs (dead NFS) blocks.
Result<Spawned> spawn(const activation::ChildPlan& plan);

// The /dev/null fd that every plan with a "null" stdio gets, opened at the first
// call and kept for the life of the process: a spawn never needs a fresh fd for
// it, so running out of fds cannot fail a spawn after a connection was accepted.
Result<int> dev_null_fd();

// Before exec the child must put every signal that is caught or ignored back to
// SIG_DFL. `all` (the default) resets all 62 of them: 62 syscalls, ~60 us of the
// daemon's time per spawn on a VM, since CLONE_VFORK suspends it until the exec.
// `non_default_now` records which signals are not SIG_DFL at the moment of the
// call, and children then reset only those (5 in sockvisord). It is for a process
// that changes no disposition afterwards: sockvisord selects it once its signal
// handlers are in place. A handler installed later would stay live in the child
// until execve; select `non_default_now` again after any change.
enum class SignalReset { all, non_default_now };
void reset_signals_in_children(SignalReset mode);

}  // namespace sv::supervise
