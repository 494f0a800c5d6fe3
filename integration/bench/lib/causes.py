"""What we believe causes each miss, with the evidence and a fix suggestion.
Written by hand from profiles taken on the benchmark machine (perf record -g,
perf sched timehist, strace -c on sockvisord); shown only for a measure whose
goal was missed in the run being reported. src/ is not changed by the bench."""

CAUSES = {
    "spawn": """\
**Cause.** The per-connection path of `AcceptRunner::spawn_instance` does much more than the bare loop
(accept4 → fork → close), and part of it is serialised behind the child's exec:

* `strace -c` on sockvisord, per connection: `accept4`, `getsockopt(SO_PEERCRED)`, **two `pipe2`** (the
  exec-status pipe and a fresh per-process output pipe for stderr) with `fcntl` + `epoll_ctl` ADD and later
  DEL, `prlimit64(RLIMIT_NOFILE)`, `getpid`, two `rt_sigprocmask`, **`clone` (a full `fork()`)**,
  a **blocking `read` on the exec-status pipe until the child has exec'd**, `pidfd_open` (closed at once,
  unused), six `close`, and after the exit `wait4` ×2 and a `kill(-pgid, SIGKILL)` that fails with ESRCH —
  about 25 syscalls against 4 for the bare loop.
* `perf record -g` on sockvisord under load: its own user-space code is ~4% of its samples; the rest is the
  kernel copying its address space for `fork()` (`copy_page_range`, `dup_mmap`, `anon_vma_fork`,
  `clear_page_erms` for the COW faults that follow) — a C++ daemon with libstdc++, spdlog, fmt, toml++ and
  libsystemd mapped forks several times slower than the small bare C loop.
* `perf sched timehist`: while the parent blocks on the exec-status pipe, the child is migrated at `execve`
  (`sched_exec`) and waits for a CPU (1–7 ms here, on a shared 2-CPU machine); the daemon accepts nothing
  meanwhile. The bare loop never blocks, so its next `accept` overlaps the previous child's exec; with 8
  clients that overlap is most of the difference.

**Fix suggestions** (supervise/spawner and daemon/accept_runner owners): spawn with
`clone(CLONE_VM | CLONE_VFORK)` or `posix_spawn` (the child code is already written to be vfork-safe, per
spawner.cpp's header) to drop the page-table copy; do not wait synchronously for the exec-status pipe —
register it in epoll and account the instance as `starting` until it reads EOF; share one stderr pipe per
accept unit instead of one per instance; drop the unused `pidfd_open`, and read `RLIMIT_NOFILE` once at
start-up rather than per spawn.""",
    "first": """\
**Cause.** Same path as measure 1 for the first connection: epoll wake-up, building the child plan, a full
`fork()` of the daemon and a blocking wait on the exec-status pipe before the child runs; the bare reference
is one `posix_spawn` (vfork) of the service. `systemd-socket-activate`, which `execve`s itself into the service
without forking, lands in the same place as sockvisord. **Fix suggestion:** as for measure 1 — vfork-style
spawn (`CLONE_VM | CLONE_VFORK`) removes the address-space copy, which is most of the difference.""",
    "data": """\
**Cause.** sockvisord is not on the data path (the sink owns fd 3 and the connection), so a miss here is
noise between runs on a shared machine; rerun the full benchmark before looking for a cause.""",
    "scale": """\
**Cause.** `perf record -g` of sockvisord binding 10,000 units (tmpfs): **25% of all samples are in the
kernel's `unix_diag_handler_dump`**, reached from `send()` in `net/bound_inode.cpp`: after every bind,
`bound_path_inode()` asks NETLINK_SOCK_DIAG for the socket's VFS inode with an exact lookup by socket inode,
and the kernel serves that by walking every Unix socket of the namespace — O(N) per listener, **O(N²)** per
start-up, so start-up grows faster than N (10k/1k above the bare loop's). The rest is per-unit file-system work (`openat` of O_PATH
directory fds and unit files, `fstatat`, `getxattr`, `unlinkat` probes, `close`) — about ten syscalls per
unit on top of socket/bind/listen. **Fix suggestion** (net owners): keep the "bound inode is the inode at the
path" check but batch it: one `SOCK_DIAG_BY_FAMILY` dump with `NLM_F_DUMP` and `UDIAG_SHOW_VFS` after all
listeners of a start-up or reload are bound, matched through a hash map on the socket inode — O(N) in total;
or compare `fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW)` with the address `getsockname` returns and query
sock_diag only when they disagree. Cache the O_PATH fd of a directory shared by many units.""",
    "memory": """\
**Cause.** The goal is judged on RSS, which counts every shared-library page mapped by sockvisord
(libstdc++, spdlog, fmt, toml++, libsystemd, libc) in full; PSS, which divides those pages among the
processes that share them, is within the goal at both sizes. Per-unit state is ~2.5 KiB
(RSS @1000 − RSS @100, over 900 units). **Fix suggestions:** link with `-Wl,--as-needed` and drop
libraries that are only used at start-up (toml++ could be confined to the loader), `malloc_trim(0)` after
start-up and after a reload (the loader's TOML trees are freed but stay in the heap), or a static
`-Os` build for the container entrypoint case, where no page is shared anyway.""",
    "wakeups": """\
**Cause.** Unexpected: the event loop blocks in `epoll_wait(-1)` with no timer armed when idle (docs/design.md).
A non-zero count means something woke it — check the daemon's log for activity during the window (a probe,
a control client) and `strace -p` the idle daemon.""",
    "restart": """\
**Cause.** A lost connection is one the killed service had already `accept`ed but not answered: it is in the
dead process's fd table and no supervisor can save it (the kernel closes it with the process). Connections
still in the listening socket's backlog are never lost because sockvisord keeps the listening socket open.
A gap above `restart_delay` + 5 ms is the delay itself plus reaping, the backoff timer, the fork/exec of the
new service and the scheduler on a loaded machine (see measure 1).""",
    "status": """\
**Cause.** Most of the time is the client: `sockvisorctl` exec and start-up, parsing the ~300 KiB reply
and re-printing it as JSON (compare the raw control request row). **Fix suggestion:** print the daemon's
reply without re-parsing when no filtering is needed, or make the reply smaller (omit empty fields).""",
}
