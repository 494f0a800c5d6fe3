// The Spawner: the only place in sockvisor that forks. It applies a ChildPlan in
// the child with async-signal-safe calls only and reports exec failure through a
// close-on-exec pipe. It never builds argv/envp (that is ChildPlan) and never logs.
#pragma once

#include <sys/types.h>

#include "activation/child_plan.hpp"
#include "base/fd.hpp"
#include "base/result.hpp"

namespace sv::supervise {

struct Spawned {
    pid_t pid = -1;
    Fd pidfd;  // pidfd_open(pid): readable (EPOLLIN) when the child exits
};

// Forks, applies `plan` in the child and execs plan.path. Returns once the child
// has exec'd (the close-on-exec pipe reached EOF). If any step in the child fails
// (chdir, setuid, execve, ...), the child is reaped here and the error names the
// step and the program: "cannot execve '/usr/bin/x': No such file or directory".
// The child exits 127 when execve said ENOENT, 126 for any other failure (tini).
// Blocks until the exec: a plan whose working directory hangs (dead NFS) blocks.
Result<Spawned> spawn(const activation::ChildPlan& plan);

}  // namespace sv::supervise
