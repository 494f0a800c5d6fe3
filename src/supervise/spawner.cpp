// clone + exec of a ChildPlan. Everything that allocates happens before the clone
// (Prepared); after it the child uses only async-signal-safe calls and raw
// syscalls, writes only into Prepared's scratch memory and the shared report
// slot, and never returns.
//
// Why clone(CLONE_VM | CLONE_VFORK) and not fork(): fork() copies the daemon's
// page tables (thousands of pages with 1,000 units) and then pays a copy-on-write
// fault for every page either side touches before the exec; the child only needs
// a few syscalls and an execve. Sharing the address space makes the cost of a
// spawn independent of the daemon's size (the per-connection cost of accept
// mode, docs/benchmarks.md). CLONE_VFORK suspends sockvisord until the child has
// exec'd or exited, so the child can report a failed step by writing into shared
// memory: no error pipe, no blocking read, no extra fds (glibc's posix_spawn
// works the same way).
#include "supervise/spawner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
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

#include "base/fd.hpp"
#include "base/syscalls.hpp"

namespace sv::supervise {
namespace {

using activation::ChildPlan;
using activation::StdioKind;

// The child's failing step, sent to the parent as {step, errno}.
enum class Step : int {
    none,  // no failure (yet)
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
        case Step::none:
            break;
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
    int floor = 3;         // 3 + number of planned fds: the first fd that is not a target
    int max_fd = INT_MAX;  // close loop bound if close_range is missing (ENOSYS)

    bool change_ids = false;
    const ChildPlan* plan = nullptr;
    pid_t parent = 0;
};

// The child's report and stack: one shared anonymous mapping for the life of the
// process (spawn() runs on the event-loop thread only). MAP_SHARED so the report
// also reaches the parent in the sanitizer build, which clones without CLONE_VM.
struct Arena {
    ChildError* report = nullptr;
    char* stack_top = nullptr;
};
constexpr std::size_t kPage = 4096;
constexpr std::size_t kStackSize = 64 * 1024;  // run_child needs a few KiB

Result<Arena> arena() {
    static Arena a;
    if (a.report != nullptr) return a;
    // [guard page][stack ... top][report page]: an overflow hits the guard.
    const std::size_t size = kPage + kStackSize + kPage;
    void* base = ::mmap(nullptr, size, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return sys_error("mmap", "the spawn stack", errno);
    char* bytes = static_cast<char*>(base);
    if (::mprotect(bytes + kPage, kStackSize + kPage, PROT_READ | PROT_WRITE) < 0) {
        int err = errno;
        ::munmap(base, size);
        return sys_error("mprotect", "the spawn stack", err);
    }
    a.stack_top = bytes + kPage + kStackSize;
    a.report = reinterpret_cast<ChildError*>(a.stack_top);
    return a;
}

// Set by spawn() before each clone; the child writes its failed step here.
ChildError* g_report = nullptr;

// The signals a child must reset: every one, unless reset_signals_in_children()
// narrowed it to those that were not SIG_DFL.
struct ResetList {
    int signals[_NSIG];
    int count = 0;
};
ResetList all_catchable_signals() {
    ResetList list{};
    for (int sig = 1; sig < _NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) list.signals[list.count++] = sig;
    return list;
}
ResetList g_to_reset = all_catchable_signals();

[[noreturn]] void child_fail(Step step, int err) {
    *g_report = ChildError{step, err};
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

    // Dispositions first, mask last: the parent blocked every signal around fork,
    // so nothing is delivered to an inherited handler before it is reset. execve
    // resets caught signals to SIG_DFL but keeps SIG_IGN and the mask (signal(7)),
    // and sockvisord blocks its signals for signalfd: both must be undone here.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int i = 0; i < g_to_reset.count; ++i)
        ::sigaction(g_to_reset.signals[i], &dfl, nullptr);  // EINVAL for glibc's 32/33: harmless

    // A new session and process group: stop_signal and SIGKILL go to the group,
    // and the service is detached from sockvisord's controlling terminal.
    if (::setsid() < 0) child_fail(Step::setsid, errno);

    // fd plan. Any source below `floor` could be overwritten by a dup2 onto a
    // target (e.g. sources 4,3 -> targets 3,4), so first move it above every
    // target; then dup2 down.
    for (std::size_t i = 0; i < p.source.size(); ++i) {
        p.moved[i] = p.source[i];
        if (p.source[i] < p.floor) {
            p.moved[i] = ::fcntl(p.source[i], F_DUPFD_CLOEXEC, p.floor);
            if (p.moved[i] < 0) child_fail(Step::dup, errno);
        }
    }
    for (std::size_t i = 0; i < p.source.size(); ++i) {
        // dup2() clears FD_CLOEXEC on the new fd, but dup2(fd, fd) would be a
        // no-op that keeps it, and every sockvisord fd is CLOEXEC: an fd already
        // in place has the flag cleared explicitly.
        if (p.moved[i] != p.target[i]) {
            if (::dup2(p.moved[i], p.target[i]) < 0) child_fail(Step::dup2, errno);
        } else if (::fcntl(p.target[i], F_SETFD, 0) < 0) {
            child_fail(Step::clear_cloexec, errno);
        }
    }
    // Everything above the targets goes: the moved copies, and any fd that leaked
    // without CLOEXEC.
    if (close_from(p, static_cast<unsigned>(p.floor), ~0U) < 0)
        child_fail(Step::close_range, errno);

    if (p.change_ids) {
        if (plan.groups && ::syscall(SYS_setgroups, plan.groups->size(), plan.groups->data()) < 0)
            child_fail(Step::setgroups, errno);
        if (plan.gid && ::syscall(SYS_setgid, *plan.gid) < 0) child_fail(Step::setgid, errno);
        if (plan.uid && ::syscall(SYS_setuid, *plan.uid) < 0) child_fail(Step::setuid, errno);
    }

    // After the credential change: the kernel clears the parent-death signal
    // whenever the euid/egid/fsuid/fsgid change (prctl(2)). If sockvisord died
    // between fork and here, the signal will never come: getppid() no longer
    // names it (we were reparented), so give up rather than run unsupervised.
    if (::prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(plan.parent_death_signal)) < 0)
        child_fail(Step::pdeathsig, errno);
    if (::getppid() != p.parent) child_fail(Step::parent_died, ESRCH);

    // chdir as the service user, so directory permissions are checked for it.
    if (::chdir(plan.working_directory.c_str()) < 0) child_fail(Step::chdir, errno);
    ::umask(plan.umask);

    if (p.pid_slot != nullptr) write_pid(p.pid_slot, ::getpid());

    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::execve(p.path, p.argv.data(), p.envp.data());
    child_fail(Step::execve, errno);
}

int child_entry(void* arg) {
    run_child(*static_cast<Prepared*>(arg));
}

// The sanitizer build clones without CLONE_VM: ASan's shadow memory and thread
// bookkeeping assume one stack per thread, and an instrumented child running on
// a second stack in the parent's address space confuses them. Without CLONE_VM
// the child has a copy-on-write view, as after fork(), and the report still
// arrives through the MAP_SHARED arena.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kCloneFlags = CLONE_VFORK;
#else
constexpr int kCloneFlags = CLONE_VM | CLONE_VFORK;
#endif

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
    int null_fd = -1;
    if (need_null) {
        auto fd = dev_null_fd();
        if (!fd) return fd.error();
        null_fd = *fd;
    }
    for (int i = 0; i < 3; ++i) {
        const auto& s = plan.stdio[static_cast<std::size_t>(i)];
        switch (s.kind) {
            case StdioKind::inherit:
                continue;
            case StdioKind::null:
                p.source.push_back(null_fd);
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

    // Only for the close loop on kernels without close_range (< 5.9).
    static const int max_fd = [] {
        rlimit rl{};
        if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < static_cast<rlim_t>(INT_MAX))
            return static_cast<int>(rl.rlim_cur);
        return INT_MAX;
    }();
    p.max_fd = max_fd;

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
        case Step::none:
            break;
    }
    SysError err = sys_error(step_name(e.step), std::move(object), e.err);
    err.detail = std::move(detail);
    return err;
}

}  // namespace

Result<int> dev_null_fd() {
    static Fd null_fd;
    if (!null_fd) null_fd = Fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null_fd) return sys_error("open", "/dev/null", errno);
    return null_fd.get();
}

Result<Spawned> spawn(const ChildPlan& plan) {
    Prepared p;
    if (auto r = prepare(plan, p); !r) return r.error();
    auto shared = arena();
    if (!shared) return shared.error();
    g_report = shared->report;
    *g_report = ChildError{Step::none, 0};

    // Block every signal across the clone so the child cannot run one of the
    // parent's handlers before resetting dispositions (glibc's posix_spawn does
    // the same); the child empties its mask just before execve.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    // Returns when the child has exec'd or exited (CLONE_VFORK).
    pid_t pid = os().clone(child_entry, shared->stack_top, kCloneFlags | SIGCHLD, &p);
    int clone_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) return sys_error("clone", plan.path, clone_errno);

    const ChildError report = *g_report;
    if (report.step != Step::none) {
        reap(pid);
        return child_error(plan, report);
    }
    // No report: the execve succeeded. (A child killed before exec also leaves
    // none; the event loop then sees it exit, as for any early death.)
    return Spawned{pid};
}

void reset_signals_in_children(SignalReset mode) {
    if (mode == SignalReset::all) {
        g_to_reset = all_catchable_signals();
        return;
    }
    ResetList list{};
    for (int sig = 1; sig < _NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct sigaction current {};
        // glibc's reserved 32/33 fail with EINVAL: no one here can set them either.
        if (::sigaction(sig, nullptr, &current) == 0 && current.sa_handler != SIG_DFL)
            list.signals[list.count++] = sig;
    }
    g_to_reset = list;
}

}  // namespace sv::supervise
