// Whether a notify message's sender may speak for a service (notify_access = main |
// all). The decision is pure over a process lookup; read_proc_stat() is the one
// function that reads /proc. Never signals, never trusts anything but the kernel's pid.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "unit/unit.hpp"

namespace sv::activation {

// The three /proc/PID/stat fields the decision needs (proc(5): fields 1, 4, 6).
struct ProcStat {
    pid_t pid = 0;
    pid_t ppid = 0;
    pid_t session = 0;

    bool operator==(const ProcStat&) const = default;
};

// Reads /proc/PID/stat (`proc_root` is for tests). nullopt when the process is gone
// or the file does not parse.
std::optional<ProcStat> read_proc_stat(pid_t pid, const std::string& proc_root = "/proc");

using ProcessLookup = std::function<std::optional<ProcStat>(pid_t)>;

// What a service looks like to the access check.
struct NotifyScope {
    unit::NotifyAccess access = unit::NotifyAccess::main;
    pid_t main_pid = 0;  // the current main pid (MAINPID= may have moved it); 0: none
    // The pid sockvisord spawned. The Spawner calls setsid() in the child, so this is
    // also the service's session id; it stays valid while any session member lives
    // (the kernel does not reuse a pid still used as a session id). 0: unknown.
    pid_t session = 0;
};

struct AccessDecision {
    bool allowed = false;
    std::string why;  // "main process", "in session 42", "not the main pid 42", ...
};

// main: sender == main pid. all: additionally any process whose session is the
// service's, or whose parent chain (at most limits::kMaxNotifyAncestryDepth steps)
// reaches the main pid — which covers a child that called setsid() itself.
AccessDecision may_notify(const NotifyScope& scope, pid_t sender, const ProcessLookup& lookup);

// may_notify() against the real /proc.
AccessDecision may_notify(const NotifyScope& scope, pid_t sender);

}  // namespace sv::activation
