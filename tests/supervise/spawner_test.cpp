// Spawner: real fork/exec of /bin/sh scripts that report what they inherited on
// their stdout (a pipe read here): exact fds, LISTEN_PID, signal state, session,
// identity, directory, umask, parent-death signal, and every failure path.
#include "supervise/spawner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fd.hpp"
#include "base/syscalls.hpp"

namespace sv::supervise {
namespace {

using activation::ChildPlan;
using activation::StdioKind;
namespace fs = std::filesystem;

// A plan running `script` under /bin/sh with one listener per entry of `fds`.
ChildPlan sh_plan(const std::string& script, std::vector<int> fds = {}) {
    unit::Unit u;
    u.name = "t";
    for (std::size_t i = 0; i < fds.size(); ++i) {
        unit::ListenSpec l;
        l.name = "s" + std::to_string(i);
        u.listen.push_back(l);
    }
    u.service.exec = {"/bin/sh", "-c", script};
    u.service.stdout_mode = unit::Output::inherit;
    u.service.stderr_mode = unit::Output::inherit;
    activation::ChildInputs in;
    in.host = activation::HostEnv{"/usr/bin:/bin", "/root", "root", std::nullopt};
    in.listen_fds = std::move(fds);
    return activation::build_child_plan(u, in);
}

struct Ran {
    pid_t pid = -1;
    std::string out;
    int status = 0;
};

// Spawns `plan` with stdout on a pipe, reads it to EOF and reaps the child.
Ran run(ChildPlan plan) {
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    Fd rd(p[0]), wr(p[1]);
    plan.stdio[1] = activation::Stdio{StdioKind::fd, wr.get()};
    auto spawned = spawn(plan);
    EXPECT_TRUE(spawned.ok()) << (spawned.ok() ? "" : spawned.error().message());
    wr.reset();
    Ran r;
    if (!spawned.ok()) return r;
    r.pid = spawned->pid;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(rd.get(), buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
    EXPECT_EQ(::waitpid(r.pid, &r.status, 0), r.pid);
    return r;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

bool no_children_left() {
    int st;
    return ::waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD;
}

// Lists the shell's own fds from a forked ls (": " keeps dash from exec'ing ls
// in place); a glob in the shell itself would show its own directory fd.
constexpr const char* kListFds = "ls -l /proc/$$/fd; :";

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/sv-spawner-XXXXXX";
        path_ = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path_); }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

TEST(Spawner, ChildHoldsExactlyStdioAndPlannedFds) {
    int sp[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    Fd a(sp[0]), b(sp[1]);
    // Every sockvisord fd is CLOEXEC; close_range must also stop a leaked one.
    Fd leaked(::open("/dev/null", O_RDONLY));
    Fd leaked_high(::fcntl(leaked.get(), F_DUPFD, 200));
    Fd cloexec(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(leaked && leaked_high && cloexec);

    auto r = run(sh_plan(kListFds, {b.get(), a.get()}));
    std::istringstream lines(r.out);
    std::vector<std::string> fds;  // "N target"
    for (std::string line; std::getline(lines, line);) {
        auto arrow = line.find(" -> ");
        if (arrow == std::string::npos) continue;  // "total 0"
        auto space = line.rfind(' ', arrow - 1);
        fds.push_back(line.substr(space + 1, arrow - space - 1) + " " + line.substr(arrow + 4));
    }
    ASSERT_EQ(fds.size(), 5u) << r.out;
    EXPECT_EQ(fds[0], "0 /dev/null");
    EXPECT_THAT(fds[1], ::testing::StartsWith("1 pipe:"));
    EXPECT_THAT(fds[3], ::testing::StartsWith("3 socket:"));
    EXPECT_THAT(fds[4], ::testing::StartsWith("4 socket:"));
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
}

TEST(Spawner, PlannedFdsArriveInOrderEvenWhenSourcesOverlapTargets) {
    // Sources 4 and 3 must become 3 and 4: a naive dup2(4,3) would destroy 3.
    Fd saved3(::fcntl(3, F_DUPFD_CLOEXEC, 100)), saved4(::fcntl(4, F_DUPFD_CLOEXEC, 100));
    // Create both pipes far above 3 and 4 (pipe2 hands out the lowest free
    // numbers, which could be 3 and 4 themselves), then place the write ends.
    auto high_pipe = [](Fd& rd, Fd& wr) {
        int p[2];
        ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
        rd = Fd(::fcntl(p[0], F_DUPFD_CLOEXEC, 100));
        wr = Fd(::fcntl(p[1], F_DUPFD_CLOEXEC, 100));
        ::close(p[0]);
        ::close(p[1]);
    };
    Fd a_rd, a_wr, b_rd, b_wr;
    high_pipe(a_rd, a_wr);
    high_pipe(b_rd, b_wr);
    ASSERT_EQ(::dup3(a_wr.get(), 3, O_CLOEXEC), 3);
    ASSERT_EQ(::dup3(b_wr.get(), 4, O_CLOEXEC), 4);
    a_wr.reset();
    b_wr.reset();

    auto plan = sh_plan("echo to3 >&3; echo to4 >&4", {4, 3});
    // And stdout from fd 3 too: a stdio source that is also a target number.
    plan.stdio[2] = activation::Stdio{StdioKind::fd, 3};
    auto spawned = spawn(plan);
    ASSERT_TRUE(spawned.ok()) << spawned.error().message();
    ::close(3);
    ::close(4);
    int st;
    ASSERT_EQ(::waitpid(spawned->pid, &st, 0), spawned->pid);
    if (saved3) ::dup3(saved3.get(), 3, 0);
    if (saved4) ::dup3(saved4.get(), 4, 0);

    auto drain = [](int fd) {
        std::string s;
        char buf[256];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
        return s;
    };
    EXPECT_EQ(drain(b_rd.get()), "to3\n") << "source 4 became fd 3";
    EXPECT_EQ(drain(a_rd.get()), "to4\n") << "source 3 became fd 4";
}

TEST(Spawner, ListenPidIsTheChildsOwnPid) {
    int sp[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    Fd a(sp[0]), b(sp[1]);
    auto r = run(sh_plan("echo \"$LISTEN_PID $$ $LISTEN_FDS $LISTEN_FDNAMES $SOCKVISOR_UNIT\"",
                         {a.get(), b.get()}));
    EXPECT_EQ(trim(r.out), std::to_string(r.pid) + " " + std::to_string(r.pid) + " 2 s0:s1 t");
}

TEST(Spawner, SignalMaskAndDispositionsAreReset) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    ASSERT_EQ(::sigprocmask(SIG_BLOCK, &block, &old), 0);
    struct sigaction ign {
    }, old_usr2{}, old_pipe{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGUSR2, &ign, &old_usr2);
    ::sigaction(SIGPIPE, &ign, &old_pipe);

    // Negative control: this process does have them blocked and ignored.
    std::ifstream self("/proc/self/status");
    std::string status((std::istreambuf_iterator<char>(self)), {});
    EXPECT_THAT(status, ::testing::Not(::testing::HasSubstr("SigBlk:\t0000000000000000")));
    EXPECT_THAT(status, ::testing::Not(::testing::HasSubstr("SigIgn:\t0000000000000000")));

    auto r = run(sh_plan("exec grep -E '^Sig(Blk|Ign)' /proc/self/status"));
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::sigaction(SIGUSR2, &old_usr2, nullptr);
    ::sigaction(SIGPIPE, &old_pipe, nullptr);
    EXPECT_EQ(r.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

// With a snapshot the child resets only the dispositions that were not SIG_DFL
// when it was taken; what was ignored then must still arrive as default.
TEST(Spawner, SnapshotOfDispositionsStillResetsWhatWasIgnored) {
    struct sigaction ign {
    }, old_usr1{}, old_winch{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGUSR1, &ign, &old_usr1);
    ::sigaction(SIGWINCH, &ign, &old_winch);
    reset_signals_in_children(SignalReset::non_default_now);
    auto r = run(sh_plan("exec grep -E '^SigIgn' /proc/self/status"));
    ::sigaction(SIGUSR1, &old_usr1, nullptr);
    ::sigaction(SIGWINCH, &old_winch, nullptr);
    reset_signals_in_children(SignalReset::non_default_now);  // this process's real state
    EXPECT_EQ(r.out, "SigIgn:\t0000000000000000\n");

    // Negative control: a disposition set after the snapshot is not reset, which
    // is why the daemon takes it only once its own handlers are in place.
    ::sigaction(SIGUSR1, &ign, &old_usr1);
    auto stale = run(sh_plan("exec grep -E '^SigIgn' /proc/self/status"));
    ::sigaction(SIGUSR1, &old_usr1, nullptr);
    reset_signals_in_children(SignalReset::all);  // the default, for the other tests
    EXPECT_EQ(stale.out, "SigIgn:\t0000000000000200\n");
}

TEST(Spawner, ChildLeadsANewSessionAndProcessGroup) {
    auto r = run(sh_plan("exec cat /proc/self/stat"));
    // pid (comm) state ppid pgrp session ...
    auto fields = r.out.substr(r.out.rfind(')') + 2);
    std::istringstream in(fields);
    std::string state;
    pid_t ppid, pgrp, session;
    in >> state >> ppid >> pgrp >> session;
    EXPECT_EQ(ppid, ::getpid());
    EXPECT_EQ(pgrp, r.pid);
    EXPECT_EQ(session, r.pid);
    EXPECT_NE(::getsid(0), r.pid);
}

TEST(Spawner, ExecFailureIsReportedWithPathAndChildReaped) {
    ChildPlan plan = sh_plan("true");
    plan.path = "/nonexistent/sv-spawner-test";
    auto spawned = spawn(plan);
    ASSERT_FALSE(spawned.ok());
    EXPECT_EQ(spawned.error().call, "execve");
    EXPECT_EQ(spawned.error().err, ENOENT);
    EXPECT_EQ(spawned.error().message(),
              "cannot execve '/nonexistent/sv-spawner-test': No such file or directory");
    EXPECT_TRUE(no_children_left());
}

TEST(Spawner, NonExecutableFileIsEacces) {
    TempDir dir;
    std::string file = dir.path() + "/not-exec";
    std::ofstream(file) << "#!/bin/sh\ntrue\n";
    ::chmod(file.c_str(), 0644);
    ChildPlan plan = sh_plan("true");
    plan.path = file;
    auto spawned = spawn(plan);
    ASSERT_FALSE(spawned.ok());
    EXPECT_EQ(spawned.error().err, EACCES);
    EXPECT_EQ(spawned.error().message(), "cannot execve '" + file + "': Permission denied");
    EXPECT_TRUE(no_children_left());
}

TEST(Spawner, WorkingDirectoryAndUmask) {
    TempDir dir;
    ChildPlan plan = sh_plan("pwd; umask");
    plan.working_directory = dir.path();
    plan.umask = 0027;
    auto r = run(plan);
    EXPECT_EQ(r.out, dir.path() + "\n0027\n");
}

TEST(Spawner, MissingWorkingDirectoryNamesTheDirectory) {
    ChildPlan plan = sh_plan("true");
    plan.working_directory = "/nonexistent-dir";
    auto spawned = spawn(plan);
    ASSERT_FALSE(spawned.ok());
    EXPECT_EQ(spawned.error().message(),
              "cannot chdir '/nonexistent-dir': No such file or directory");
    EXPECT_TRUE(no_children_left());
}

TEST(Spawner, DropsPrivilegesInOrder) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ChildPlan plan = sh_plan("exec grep -E '^(Uid|Gid|Groups):' /proc/self/status");
    plan.uid = 65534;
    plan.gid = 65534;
    plan.groups = std::vector<gid_t>{65534, 100};
    auto r = run(plan);
    EXPECT_EQ(r.out,
              "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"
              "Groups:\t100 65534 \n");
}

TEST(Spawner, ChdirIsCheckedAsTheServiceUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    TempDir dir;  // 0700 root: root may enter, nobody may not
    ChildPlan plan = sh_plan("true");
    plan.uid = 65534;
    plan.gid = 65534;
    plan.groups = std::vector<gid_t>{};
    plan.working_directory = dir.path();
    auto spawned = spawn(plan);
    ASSERT_FALSE(spawned.ok());
    EXPECT_EQ(spawned.error().call, "chdir");
    EXPECT_EQ(spawned.error().err, EACCES);
}

TEST(Spawner, CloneFailureFromTheSeam) {
    struct NoClone : SysCalls {
        pid_t clone(int (*)(void*), void*, int, void*) override {
            errno = EAGAIN;
            return -1;
        }
    } no_clone;
    ScopedSysCalls guard(no_clone);
    auto spawned = spawn(sh_plan("true"));
    ASSERT_FALSE(spawned.ok());
    EXPECT_EQ(spawned.error().call, "clone");
    EXPECT_EQ(spawned.error().err, EAGAIN);
    EXPECT_EQ(spawned.error().message(),
              "cannot clone '/bin/sh': Resource temporarily unavailable");
}

TEST(Spawner, ChildExitIsLeftToTheCallersWaitpid) {
    auto spawned = spawn(sh_plan("exit 3"));
    ASSERT_TRUE(spawned.ok()) << spawned.error().message();
    int st;
    ASSERT_EQ(::waitpid(spawned->pid, &st, 0), spawned->pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3);
}

// The report slot is shared by every spawn: a failure must not leak into the next
// (successful) spawn, and a success must not hide the next failure.
TEST(Spawner, FailuresAndSuccessesAlternateWithoutStaleReports) {
    for (int i = 0; i < 5; ++i) {
        ChildPlan bad = sh_plan("true");
        bad.path = "/nonexistent/sv-spawner-test";
        auto failed = spawn(bad);
        ASSERT_FALSE(failed.ok());
        EXPECT_EQ(failed.error().call, "execve");
        auto ok = spawn(sh_plan("exit 0"));
        ASSERT_TRUE(ok.ok()) << ok.error().message();
        int st;
        ASSERT_EQ(::waitpid(ok->pid, &st, 0), ok->pid);
    }
    EXPECT_TRUE(no_children_left());
}

// A spawn opens nothing it keeps: no error pipe, no pidfd.
TEST(Spawner, RepeatedSpawnsLeaveTheFdCountUnchanged) {
    auto count_fds = [] {
        int n = 0;
        for (int fd = 0; fd < 1024; ++fd) n += ::fcntl(fd, F_GETFD) >= 0;
        return n;
    };
    auto warm = spawn(sh_plan("exit 0"));  // the first spawn maps the shared stack
    ASSERT_TRUE(warm.ok());
    int st;
    ::waitpid(warm->pid, &st, 0);
    const int before = count_fds();
    for (int i = 0; i < 100; ++i) {
        auto s = spawn(sh_plan("exit 0"));
        ASSERT_TRUE(s.ok()) << s.error().message();
        ASSERT_EQ(::waitpid(s->pid, &st, 0), s->pid);
    }
    EXPECT_EQ(count_fds(), before);
}

// The child of a process that dies gets SIGTERM (SPEC §5), also after a
// privilege drop: the kernel clears PDEATHSIG on a credential change, so the
// Spawner must set it after setuid. This test process is a subreaper so that
// it inherits (and can reap) the orphaned grandchild.
void expect_sigterm_when_parent_dies(bool drop_privileges) {
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    pid_t middle = ::fork();
    ASSERT_GE(middle, 0);
    if (middle == 0) {
        ChildPlan plan = sh_plan("exec sleep 10");
        if (drop_privileges) {
            plan.uid = 65534;
            plan.gid = 65534;
            plan.groups = std::vector<gid_t>{};
        }
        auto spawned = spawn(plan);
        pid_t pid = spawned.ok() ? spawned->pid : -1;
        [[maybe_unused]] auto n = ::write(p[1], &pid, sizeof pid);
        _exit(0);
    }
    ::close(p[1]);
    pid_t grandchild = -1;
    ASSERT_EQ(::read(p[0], &grandchild, sizeof grandchild),
              static_cast<ssize_t>(sizeof grandchild));
    ::close(p[0]);
    int st;
    ASSERT_EQ(::waitpid(middle, &st, 0), middle);
    ASSERT_GT(grandchild, 0);
    ASSERT_EQ(::waitpid(grandchild, &st, 0), grandchild);
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << "status " << st;
}

TEST(Spawner, ParentDeathSendsSigterm) {
    expect_sigterm_when_parent_dies(false);
}

TEST(Spawner, ParentDeathSendsSigtermAfterPrivilegeDrop) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    expect_sigterm_when_parent_dies(true);
}

TEST(Spawner, StdinNullAndStderrInherit) {
    auto r = run(sh_plan("readlink /proc/$$/fd/0; test -t 0 || echo not-a-tty"));
    EXPECT_EQ(r.out, "/dev/null\nnot-a-tty\n");
}

// sv-report (integration/helpers) sits next to this binary's directory in the
// build tree; it checks the result through libsystemd's own sd_listen_fds.
std::string sv_report_path() {
    auto exe = fs::read_symlink("/proc/self/exe");
    auto candidate = exe.parent_path().parent_path() / "integration" / "sv-report";
    return fs::exists(candidate) ? candidate.string() : std::string();
}

TEST(Spawner, LibsystemdAcceptsTheFdsAndNames) {
    std::string report = sv_report_path();
    if (report.empty()) GTEST_SKIP() << "sv-report not built";
    int sp[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
    Fd a(sp[0]), b(sp[1]);
    ChildPlan plan = sh_plan("", {a.get(), b.get()});
    plan.path = report;
    plan.argv = {report};
    auto r = run(plan);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["listen"]["count"], 2);
    EXPECT_EQ(j["listen"]["names"], nlohmann::json::array({"s0", "s1"}));
    EXPECT_EQ(j["pid"], r.pid);
    EXPECT_EQ(j["sid"], r.pid);
    ASSERT_EQ(j["fds"].size(), 5u) << j["fds"].dump();
    for (int fd : {3, 4}) {
        EXPECT_EQ(j["fds"][fd]["fd"], fd);
        EXPECT_EQ(j["fds"][fd]["cloexec"], false) << "inherited fds must survive exec";
        EXPECT_EQ(j["fds"][fd]["socket"]["type"], "seqpacket");
    }
}

}  // namespace
}  // namespace sv::supervise
