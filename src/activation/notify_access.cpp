// notify_access: one small /proc/PID/stat reader and a pure decision over it. A
// process that exits while we look is simply "not allowed": its message is stale.
#include "activation/notify_access.hpp"

#include <sstream>

#include "base/limits.hpp"
#include "base/small_file.hpp"

namespace sv::activation {

std::optional<ProcStat> read_proc_stat(pid_t pid, const std::string& proc_root) {
    if (pid <= 0) return std::nullopt;
    auto read = read_small_file(proc_root + "/" + std::to_string(pid) + "/stat", 4096);
    if (!read) return std::nullopt;
    const std::string& text = *read;
    // "PID (COMM) STATE PPID PGRP SESSION ...": COMM is the process's own choice
    // (prctl(PR_SET_NAME)) and may contain spaces and ')', so the fields resume
    // after the *last* ')'.
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream head(text.substr(0, close));
    std::istringstream tail(text.substr(close + 1));
    ProcStat st;
    std::string state;
    pid_t pgrp = 0;
    if (!(head >> st.pid) || !(tail >> state >> st.ppid >> pgrp >> st.session)) return std::nullopt;
    if (st.pid != pid) return std::nullopt;
    return st;
}

AccessDecision may_notify(const NotifyScope& scope, pid_t sender, const ProcessLookup& lookup) {
    const std::string main_text = std::to_string(scope.main_pid);
    if (sender <= 0) return {false, "no sender pid"};
    if (scope.main_pid > 0 && sender == scope.main_pid) return {true, "main process"};

    switch (scope.access) {
        case unit::NotifyAccess::main:
            return {false, scope.main_pid > 0 ? "not the main pid " + main_text
                                              : std::string("the service has no main pid")};
        case unit::NotifyAccess::all:
            break;
    }

    std::optional<ProcStat> st = lookup(sender);
    if (!st) return {false, "process has exited"};
    if (scope.session > 0 && st->session == scope.session)
        return {true, "in the service's session " + std::to_string(scope.session)};

    // Parent chain: reaches the main pid for a descendant that left the session.
    // Bounded, because /proc is read at different instants and pids get reused: a
    // chain built from such snapshots is not guaranteed to end.
    if (scope.main_pid > 0) {
        for (int step = 0; step < limits::kMaxNotifyAncestryDepth && st && st->ppid > 1; ++step) {
            if (st->ppid == scope.main_pid) return {true, "descends from main pid " + main_text};
            st = lookup(st->ppid);
        }
    }
    return {false, "neither in the service's session nor below main pid " + main_text};
}

AccessDecision may_notify(const NotifyScope& scope, pid_t sender) {
    return may_notify(scope, sender, [](pid_t pid) { return read_proc_stat(pid); });
}

}  // namespace sv::activation
