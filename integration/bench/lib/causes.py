"""What we believe causes each miss, with the evidence and a fix suggestion.
Written by hand from profiles taken on the benchmark machine (perf record -g,
perf sched timehist, strace -c on sockvisord); shown only for a measure whose
goal was missed in the run being reported. src/ is not changed by the bench."""

CAUSES = {
    "spawn": """\
**What was fixed (session 3).** Profiles of the previous run showed the kernel copying sockvisord's address
space for `fork()` (`copy_page_range`, `dup_mmap`, COW faults) as most of the daemon's cost per connection,
plus an exec-status pipe, an unused pidfd and `getrlimit` per spawn. The Spawner now uses
`clone(CLONE_VM | CLONE_VFORK)` on a persistent stack and reports a failed step through shared memory (no
pipe, no pidfd): sockvisord's CPU time per accept-mode connection fell from 234–288 µs to 88–120 µs
(`/proc/PID/stat`, 2 s of sequential connections, old and new binaries alternating on the same loaded
machine), and its syscalls per connection from ~25 to ~17.

**What remains.** sockvisord still waits for each child's `execve` before it accepts the next connection
(`CLONE_VFORK` suspends it, as the blocking pipe read did before), while the bare loop and s6-ipcserver
`fork()` and go straight back to `accept`, so their next accept overlaps the previous child's exec. On 2 CPUs
that overlap is the difference with 8 clients, and any CPU contention lengthens the wait (the child is
migrated at `execve` and queues for a CPU: the p99 column). **Fix suggestion:** confirm the exec
asynchronously — clone without `CLONE_VFORK` on a per-spawn stack (with its own TLS, `CLONE_SETTLS`, so the
child's `errno` cannot touch the daemon's), keep the spawn's scratch memory alive until the child's
close-on-exec pipe reaches EOF in the event loop, and count the instance as starting until then.""",
    "first": """\
**Cause.** The first connection takes the same path as measure 1: epoll wake-up, the child plan, the clone,
and the wait for the child's `execve`; the bare reference is one `posix_spawn` of the service. Since the
clone-based spawner the remaining difference is the wake-up of sockvisord and its wait for the exec, which
grows with CPU contention (compare the p50 and min columns).""",
    "data": """\
**Cause.** sockvisord is not on the data path (the sink owns fd 3 and the connection), so a miss here is
noise between runs on a shared machine; rerun the full benchmark before looking for a cause.""",
    "scale": """\
**Fixed (session 3).** The quadratic term was the kernel's `unix_lookup_by_ino()`, reached from the
sock_diag exact lookup that `net/bound_inode.cpp` made after every bind: it walks every Unix socket of the
namespace. The check now asks `ioctl(SIOCUNIXFILE)` (O(1), the exact entry `bind()` created) and falls back
to sock_diag only without CAP_NET_ADMIN; parent directories are opened with one `openat2(RESOLVE_NO_SYMLINKS)`
and sockvisord's own user/group names are cached for the "bound" log line. A remaining miss is per-unit file
system work (about 100 syscalls per unit, linear).""",
    "memory": """\
**Cause.** The goal is judged on RSS, which counts in full every library and executable page sockvisord
touched (kernel fault-around maps 64 KiB at a time); most of an idle sockvisord is such file-backed pages,
not heap. Fixed in session 3: libsystemd dlopen()ed only when `LISTEN_FDS` is set (−1 MiB), spdlog/fmt from
headers, `malloc_trim` after start-up and reload, no per-unit allocation for an empty event queue. Session 4:
toml++ compiled in, libstdc++ linked statically, `--gc-sections`, start-up-only code at `-Os`, no libm (see
docs/design.md "Memory"). **Left:** CLI11's `<iostream>` start-up and the `ListenSpec` copy per listener
(328 B).""",
    "wakeups": """\
**Cause.** Unexpected: the event loop blocks in `epoll_wait(-1)` with no timer armed when idle (docs/design.md).
A non-zero count means something woke it — check the daemon's log for activity during the window (a probe,
a control client) and `strace -p` the idle daemon.""",
    "restart": """\
**Cause.** A connection lost by the supervisor is one refused, or established and never accepted by any
service: sockvisord keeps the listening socket open across the restart, so the backlog should survive; look
for a listener closed and rebound (the log) or a backlog overflow (`ss -lx`, Recv-Q). Connections the killed
service had already `accept`ed are counted apart: they are in the dead process's fd table and no supervisor
can save them.
A gap above `restart_delay` + 5 ms is the delay itself plus reaping, the backoff timer, the fork/exec of the
new service and the scheduler on a loaded machine (see measure 1).""",
    "status": """\
**Cause.** Most of the time is the client: `sockvisorctl` exec and start-up, parsing the ~300 KiB reply
and re-printing it as JSON (compare the raw control request row). **Fix suggestion:** print the daemon's
reply without re-parsing when no filtering is needed, or make the reply smaller (omit empty fields).""",
}
