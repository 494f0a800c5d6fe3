#include "daemon/reaper.hpp"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "activation/notify_access.hpp"

namespace sv::daemon {

std::vector<Reaped> reap_exited() {
    std::vector<Reaped> out;
    for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        supervise::ExitStatus st;
        if (WIFSIGNALED(status))
            st.signal = WTERMSIG(status);
        else
            st.code = WEXITSTATUS(status);
        out.push_back({pid, st});
    }
    return out;
}

bool no_children_left() {
    siginfo_t info{};
    // WNOWAIT: only look; the SIGCHLD path does the reaping.
    return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1 && errno == ECHILD;
}

std::vector<pid_t> list_children() {
    std::vector<pid_t> out;
    DIR* dir = opendir("/proc");
    if (!dir) return out;
    pid_t self = getpid();
    while (dirent* e = readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end != '\0') continue;
        auto st = activation::read_proc_stat(static_cast<pid_t>(pid));
        if (st && st->ppid == self) out.push_back(static_cast<pid_t>(pid));
    }
    closedir(dir);
    return out;
}

void become_subreaper() {
    if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

std::string describe_exit(const supervise::ExitStatus& status) {
    if (status.signal != 0) {
        const char* abbrev = sigabbrev_np(status.signal);
        return "killed by signal " +
               (abbrev ? "SIG" + std::string(abbrev) : std::to_string(status.signal));
    }
    return "exited with code " + std::to_string(status.code);
}

}  // namespace sv::daemon
