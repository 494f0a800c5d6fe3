// fork + exec of a ChildPlan. Everything that allocates happens before the fork
// (Prepared); after it the child uses only async-signal-safe calls and raw
// syscalls, writes only into Prepared's scratch memory, and never returns, so the
// same child code stays correct under vfork()/clone(CLONE_VM).
#include "supervise/spawner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include "base/syscalls.hpp"

namespace sv::supervise {
namespace {

using activation::ChildPlan;
using activation::StdioKind;

// The child's failing step, sent to the parent as {step, errno}.
enum class Step : int {
    setsid,
    dup,
    dup2,
    clear_cloexec,
    close_range,
    setgroups,
    setgid,
    setuid,
    pdeathsig,
    parent_died,
    chdir,
    execve,
};

struct ChildError {
    Step step;
    int err;
};

const char* step_name(Step s) {
    switch (s) {
        case Step::setsid:
            return "setsid";
        case Step::dup:
            return "fcntl(F_DUPFD_CLOEXEC)";
        case Step::dup2:
            return "dup2";
        case Step::clear_cloexec:
            return "fcntl(F_SETFD)";
        case Step::close_range:
            return "close_range";
        case Step::setgroups:
            return "setgroups";
        case Step::setgid:
            return "setgid";
        case Step::setuid:
            return "setuid";
        case Step::pdeathsig:
            return "prctl(PR_SET_PDEATHSIG)";
        case Step::parent_died:
            return "getppid";
        case Step::chdir:
            return "chdir";
        case Step::execve:
            return "execve";
    }
    return "spawn";
}

// Everything the child needs, built (and allocated) before the fork.
struct Prepared {
    const char* path = nullptr;
    std::vector<std::string> env_storage;  // a copy: the child writes LISTEN_PID into it
    std::vector<char*> argv;
    std::vector<char*> envp;
    char* pid_slot = nullptr;  // kListenPidDigits chars inside env_storage, or null

    // The fd moves: source[i] becomes target[i]; moved[i] is child scratch.
    std::vector<int> source;
    std::vector<int> target;
    std::vector<int> moved;
    int floor = 3;  // 3 + number of planned fds: the first fd that is not a target
    Fd dev_null;
    int error_fd = -1;     // write end of the CLOEXEC error pipe
    int max_fd = INT_MAX;  // close loop bound if close_range is missing (ENOSYS)

    bool change_ids = false;
    const ChildPlan* plan = nullptr;
    pid_t parent = 0;
};

[[noreturn]] void child_fail(int fd, Step step, int err) {
    ChildError e{step, err};
    // One write of 8 bytes to a pipe is atomic (< PIPE_BUF); nothing to do if the
    // parent is gone.
    [[maybe_unused]] ssize_t n = ::write(fd, &e, sizeof e);
    _exit(step == Step::execve && err == ENOENT ? 127 : 126);
}

// Closes [lo, hi] (hi may be ~0U). close_range(2) is Linux 5.9+; the loop is the
// fallback for older kernels, bounded by RLIMIT_NOFILE read before the fork.
int close_from(const Prepared& p, unsigned lo, unsigned hi) {
    if (lo > hi) return 0;
    if (::close_range(lo, hi, 0) == 0) return 0;
    if (errno != ENOSYS) return -1;
    for (unsigned fd = lo; fd <= hi && fd < static_cast<unsigned>(p.max_fd); ++fd)
        ::close(static_cast<int>(fd));
    return 0;
}

void write_pid(char* slot, pid_t pid) {
    char digits[activation::kListenPidDigits];
    std::size_t n = 0;
    auto v = static_cast<unsigned long>(pid);
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < sizeof digits);
    for (std::size_t i = 0; i < n; ++i) slot[i] = digits[n - 1 - i];
    slot[n] = '\0';  // the slot is followed by at least one more byte (the string's NUL)
}

// Runs in the child. Async-signal-safe calls only (signal-safety(7)), no
// allocation, and raw syscalls for credentials: glibc's setuid()/setgroups()
// broadcast to every thread of the process (nptl setxid), which in a vfork child
// would be the parent's threads.
[[noreturn]] void run_child(Prepared& p) {
    const ChildPlan& plan = *p.plan;
    int err_fd = p.error_fd;

    // Dispositions first, mask last: the parent blocked every signal around fork,
    // so nothing is delivered to an inherited handler before it is reset. execve
    // resets caught signals to SIG_DFL but keeps SIG_IGN and the mask (signal(7)),
    // and sockvisord blocks its signals for signalfd: both must be undone here.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < _NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        ::sigaction(sig, &dfl, nullptr);  // EINVAL for glibc's reserved 32/33: harmless
    }

    // A new session and process group: stop_signal and SIGKILL go to the group,
    // and the service is detached from sockvisord's controlling terminal.
    if (::setsid() < 0) child_fail(err_fd, Step::setsid, errno);

    // fd plan. Any source below `floor` could be overwritten by a dup2 onto a
    // target (e.g. sources 4,3 -> targets 3,4), so first move it above every
    // target; then dup2 down. The error pipe moves up too, to survive both.
    if (err_fd < p.floor) {
        int up = ::fcntl(err_fd, F_DUPFD_CLOEXEC, p.floor);
        if (up < 0) child_fail(err_fd, Step::dup, errno);
        err_fd = up;
    }
    for (std::size_t i = 0; i < p.source.size(); ++i) {
        p.moved[i] = p.source[i];
        if (p.source[i] < p.floor) {
            p.moved[i] = ::fcntl(p.source[i], F_DUPFD_CLOEXEC, p.floor);
            if (p.moved[i] < 0) child_fail(err_fd, Step::dup, errno);
        }
    }
    for (std::size_t i = 0; i < p.source.size(); ++i) {
        if (p.moved[i] != p.target[i] && ::dup2(p.moved[i], p.target[i]) < 0)
            child_fail(err_fd, Step::dup2, errno);
        // dup2() clears FD_CLOEXEC on the new fd, but dup2(fd, fd) is a no-op that
        // keeps it, and every sockvisord fd is CLOEXEC: clear it explicitly on
        // exactly the targets.
        if (::fcntl(p.target[i], F_SETFD, 0) < 0) child_fail(err_fd, Step::clear_cloexec, errno);
    }
    // Everything above the targets goes (the moved copies, and any fd that leaked
    // without CLOEXEC), except the error pipe, which closes itself at execve.
    if (close_from(p, static_cast<unsigned>(p.floor), static_cast<unsigned>(err_fd) - 1) < 0 ||
        close_from(p, static_cast<unsigned>(err_fd) + 1, ~0U) < 0)
        child_fail(err_fd, Step::close_range, errno);

    if (p.change_ids) {
        if (plan.groups && ::syscall(SYS_setgroups, plan.groups->size(), plan.groups->data()) < 0)
            child_fail(err_fd, Step::setgroups, errno);
        if (plan.gid && ::syscall(SYS_setgid, *plan.gid) < 0)
            child_fail(err_fd, Step::setgid, errno);
        if (plan.uid && ::syscall(SYS_setuid, *plan.uid) < 0)
            child_fail(err_fd, Step::setuid, errno);
    }

    // After the credential change: the kernel clears the parent-death signal
    // whenever the euid/egid/fsuid/fsgid change (prctl(2)). If sockvisord died
    // between fork and here, the signal will never come: getppid() no longer
    // names it (we were reparented), so give up rather than run unsupervised.
    if (::prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(plan.parent_death_signal)) < 0)
        child_fail(err_fd, Step::pdeathsig, errno);
    if (::getppid() != p.parent) child_fail(err_fd, Step::parent_died, ESRCH);

    // chdir as the service user, so directory permissions are checked for it.
    if (::chdir(plan.working_directory.c_str()) < 0) child_fail(err_fd, Step::chdir, errno);
    ::umask(plan.umask);

    if (p.pid_slot != nullptr) write_pid(p.pid_slot, ::getpid());

    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::execve(p.path, p.argv.data(), p.envp.data());
    child_fail(err_fd, Step::execve, errno);
}

Result<Ok> prepare(const ChildPlan& plan, Prepared& p) {
    p.plan = &plan;
    p.path = plan.path.c_str();
    p.env_storage = plan.envp;
    for (const auto& a : plan.argv) p.argv.push_back(const_cast<char*>(a.c_str()));
    p.argv.push_back(nullptr);
    for (auto& e : p.env_storage) p.envp.push_back(e.data());
    p.envp.push_back(nullptr);
    if (plan.listen_pid_slot != ChildPlan::npos) {
        std::string& slot = p.env_storage.at(plan.listen_pid_slot);
        assert(slot.size() == activation::kListenPidPrefix.size() + activation::kListenPidDigits);
        p.pid_slot = slot.data() + activation::kListenPidPrefix.size();
    }

    bool need_null = false;
    for (const auto& s : plan.stdio) need_null |= s.kind == StdioKind::null;
    if (need_null) {
        p.dev_null = Fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
        if (!p.dev_null) return sys_error("open", "/dev/null", errno);
    }
    for (int i = 0; i < 3; ++i) {
        const auto& s = plan.stdio[static_cast<std::size_t>(i)];
        switch (s.kind) {
            case StdioKind::inherit:
                continue;
            case StdioKind::null:
                p.source.push_back(p.dev_null.get());
                break;
            case StdioKind::fd:
                assert(s.fd >= 0);
                p.source.push_back(s.fd);
                break;
        }
        p.target.push_back(i);
    }
    for (std::size_t i = 0; i < plan.fds.size(); ++i) {
        assert(plan.fds[i] >= 0);
        p.source.push_back(plan.fds[i]);
        p.target.push_back(3 + static_cast<int>(i));
    }
    p.moved.assign(p.source.size(), -1);
    p.floor = 3 + static_cast<int>(plan.fds.size());

    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < static_cast<rlim_t>(INT_MAX))
        p.max_fd = static_cast<int>(rl.rlim_cur);

    // Unprivileged, setgroups() is EPERM even for one's own groups: a unit whose
    // user/group is sockvisord's own needs no change, so skip it (as systemd does).
    if (plan.uid || plan.gid) {
        bool same =
            (!plan.uid || *plan.uid == ::geteuid()) && (!plan.gid || *plan.gid == ::getegid());
        p.change_ids = ::geteuid() == 0 || !same;
    }
    p.parent = ::getpid();
    return Ok{};
}

void reap(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

SysError child_error(const ChildPlan& plan, const ChildError& e) {
    std::string object = plan.path;
    std::string detail;
    switch (e.step) {
        case Step::chdir:
            object = plan.working_directory;
            break;
        case Step::setuid:
            detail = "uid " + std::to_string(plan.uid.value_or(0));
            break;
        case Step::setgid:
            detail = "gid " + std::to_string(plan.gid.value_or(0));
            break;
        case Step::setsid:
        case Step::dup:
        case Step::dup2:
        case Step::clear_cloexec:
        case Step::close_range:
        case Step::setgroups:
        case Step::pdeathsig:
        case Step::parent_died:
        case Step::execve:
            break;
    }
    SysError err = sys_error(step_name(e.step), std::move(object), e.err);
    err.detail = std::move(detail);
    return err;
}

}  // namespace

Result<Spawned> spawn(const ChildPlan& plan) {
    Prepared p;
    if (auto r = prepare(plan, p); !r) return r.error();

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return sys_error("pipe2", plan.path, errno);
    Fd read_end(pipe_fds[0]);
    Fd write_end(pipe_fds[1]);
    p.error_fd = write_end.get();

    // Block every signal across the fork so the child cannot run one of the
    // parent's handlers before resetting dispositions (glibc's posix_spawn does
    // the same); the child empties its mask just before execve.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = os().fork();
    if (pid == 0) run_child(p);
    int fork_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) return sys_error("fork", plan.path, fork_errno);

    write_end.reset();  // else read() below never sees EOF
    ChildError e{};
    std::size_t got = 0;
    while (got < sizeof e) {
        ssize_t n = ::read(read_end.get(), reinterpret_cast<char*>(&e) + got, sizeof e - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got == sizeof e) {
        reap(pid);
        return child_error(plan, e);
    }
    if (got != 0) {  // cannot happen: the child's one write is atomic
        reap(pid);
        return plain_error("spawn", plan.path, "truncated report from the child");
    }
    // got == 0: EOF, the pipe closed at execve. (A child killed before exec also
    // gives EOF; the event loop then sees it exit, as for any early death.)

    Fd pidfd(os().pidfd_open(pid, 0));
    if (!pidfd) {
        int err = errno;
        // Without a pidfd the loop cannot watch it: do not leave it unsupervised.
        ::kill(pid, SIGKILL);
        reap(pid);
        return sys_error("pidfd_open", plan.path, err);
    }
    return Spawned{pid, std::move(pidfd)};
}

}  // namespace sv::supervise
