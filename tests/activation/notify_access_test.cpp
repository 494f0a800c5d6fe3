// notify_access: the pure decision over a fake process table, the /proc/PID/stat
// reader, and the real thing against a forked process tree.
#include "activation/notify_access.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "base/limits.hpp"

namespace sv::activation {
namespace {

using unit::NotifyAccess;

struct FakeProcs {
    std::map<pid_t, ProcStat> table;
    void add(pid_t pid, pid_t ppid, pid_t session) { table[pid] = {pid, ppid, session}; }
    ProcessLookup lookup() const {
        return [this](pid_t pid) -> std::optional<ProcStat> {
            auto it = table.find(pid);
            if (it == table.end()) return std::nullopt;
            return it->second;
        };
    }
};

// A service spawned as pid 100 (session 100), which later moved its main pid to 101.
// 1 (init) ─ 50 (sockvisord, session 1) ─ 100 (session 100) ─┬─ 101 (session 100)
//                                                            └─ 102 setsid (session 102)
//                                                                 └─ 103 (session 102)
// 200: an unrelated process (session 1); 300: another service (session 300).
FakeProcs service_tree() {
    FakeProcs p;
    p.add(1, 0, 1);
    p.add(50, 1, 1);
    p.add(100, 50, 100);
    p.add(101, 100, 100);
    p.add(102, 100, 102);
    p.add(103, 102, 102);
    p.add(200, 1, 1);
    p.add(300, 50, 300);
    return p;
}

TEST(NotifyAccess, MainAcceptsOnlyTheMainPid) {
    FakeProcs p = service_tree();
    NotifyScope scope{NotifyAccess::main, 100, 100};
    EXPECT_TRUE(may_notify(scope, 100, p.lookup()).allowed);
    for (pid_t other : {101, 102, 103, 200, 300, 1, 50}) {
        AccessDecision d = may_notify(scope, other, p.lookup());
        EXPECT_FALSE(d.allowed) << other;
        EXPECT_EQ(d.why, "not the main pid 100");
    }
    // After MAINPID=101 only 101 counts, even though 100 started the service.
    scope.main_pid = 101;
    EXPECT_TRUE(may_notify(scope, 101, p.lookup()).allowed);
    EXPECT_FALSE(may_notify(scope, 100, p.lookup()).allowed);
    scope.main_pid = 0;
    EXPECT_EQ(may_notify(scope, 100, p.lookup()).why, "the service has no main pid");
}

TEST(NotifyAccess, AllAcceptsTheSessionAndDescendants) {
    FakeProcs p = service_tree();
    const NotifyScope scope{NotifyAccess::all, 100, 100};
    EXPECT_EQ(may_notify(scope, 100, p.lookup()).why, "main process");
    EXPECT_EQ(may_notify(scope, 101, p.lookup()).why, "in the service's session 100");
    EXPECT_EQ(may_notify(scope, 102, p.lookup()).why, "descends from main pid 100");
    EXPECT_EQ(may_notify(scope, 103, p.lookup()).why, "descends from main pid 100");
    for (pid_t other : {200, 300, 50, 1}) {
        AccessDecision d = may_notify(scope, other, p.lookup());
        EXPECT_FALSE(d.allowed) << other;
        EXPECT_EQ(d.why, "neither in the service's session nor below main pid 100");
    }
}

TEST(NotifyAccess, AllAfterMainPidMoved) {
    // MAINPID=101: the session still identifies the service; the ancestry check
    // now starts from 101, so 102 (a child of 100 outside the session) is out.
    FakeProcs p = service_tree();
    const NotifyScope scope{NotifyAccess::all, 101, 100};
    EXPECT_TRUE(may_notify(scope, 100, p.lookup()).allowed);  // in the session
    EXPECT_TRUE(may_notify(scope, 101, p.lookup()).allowed);
    EXPECT_FALSE(may_notify(scope, 102, p.lookup()).allowed);
}

TEST(NotifyAccess, AllWithoutMainPidStillUsesTheSession) {
    FakeProcs p = service_tree();
    const NotifyScope scope{NotifyAccess::all, 0, 100};
    EXPECT_TRUE(may_notify(scope, 101, p.lookup()).allowed);
    EXPECT_FALSE(may_notify(scope, 103, p.lookup()).allowed);
}

TEST(NotifyAccess, ExitedSenderAndBadPids) {
    FakeProcs p = service_tree();
    const NotifyScope scope{NotifyAccess::all, 100, 100};
    EXPECT_EQ(may_notify(scope, 999, p.lookup()).why, "process has exited");
    EXPECT_EQ(may_notify(scope, 0, p.lookup()).why, "no sender pid");
    EXPECT_FALSE(may_notify(scope, -1, p.lookup()).allowed);
    EXPECT_FALSE(may_notify(NotifyScope{NotifyAccess::main, 0, 0}, 0, p.lookup()).allowed);
}

TEST(NotifyAccess, AncestryWalkIsBounded) {
    FakeProcs p;
    p.add(100, 1, 100);
    // A parent loop (snapshots across pid reuse can produce one): must terminate.
    p.add(500, 501, 500);
    p.add(501, 500, 500);
    const NotifyScope scope{NotifyAccess::all, 100, 100};
    EXPECT_FALSE(may_notify(scope, 500, p.lookup()).allowed);

    // A chain deeper than the bound is refused, one within it accepted.
    const int depth = limits::kMaxNotifyAncestryDepth;
    pid_t parent = 100;
    for (int i = 0; i < depth + 10; ++i) {
        p.add(1000 + i, parent, 1000);
        parent = 1000 + i;
    }
    EXPECT_TRUE(may_notify(scope, 1000 + depth - 1, p.lookup()).allowed);
    EXPECT_FALSE(may_notify(scope, 1000 + depth + 5, p.lookup()).allowed);
}

TEST(ProcStat, ReadsOwnProcess) {
    auto st = read_proc_stat(::getpid());
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->pid, ::getpid());
    EXPECT_EQ(st->ppid, ::getppid());
    EXPECT_EQ(st->session, ::getsid(0));
    EXPECT_FALSE(read_proc_stat(0).has_value());
    EXPECT_FALSE(read_proc_stat(-3).has_value());
}

// A read(2) error (a process that exits while we read its stat gives ESRCH) must be
// "no answer", not an exception: libstdc++'s filebuf throws on read errors, and an
// exception here ended sockvisord (test_attacks, notify_access = "all"). A
// directory where the file should be fails read(2) with EISDIR the same way.
TEST(NotifyAccess, ReadErrorOfProcStatIsNoAnswerNotAnException) {
    char tmpl[] = "/tmp/sv-procstat-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string root = tmpl;
    ASSERT_EQ(::mkdir((root + "/42").c_str(), 0700), 0);
    ASSERT_EQ(::mkdir((root + "/42/stat").c_str(), 0700), 0);
    std::optional<ProcStat> st;
    EXPECT_NO_THROW(st = read_proc_stat(42, root));
    EXPECT_FALSE(st.has_value());
    ::rmdir((root + "/42/stat").c_str());
    ::rmdir((root + "/42").c_str());
    ::rmdir(root.c_str());
}

TEST(ProcStat, CommWithParenthesesAndSpaces) {
    char tmpl[] = "/tmp/sv-proc-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    const std::string root = tmpl;
    ::mkdir((root + "/42").c_str(), 0755);
    ::mkdir((root + "/43").c_str(), 0755);
    std::ofstream(root + "/42/stat") << "42 (a) b (c) S 7 42 9 0 -1 4194560 0 0\n";
    std::ofstream(root + "/43/stat") << "garbage\n";
    auto st = read_proc_stat(42, root);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(*st, (ProcStat{42, 7, 9}));
    EXPECT_FALSE(read_proc_stat(43, root).has_value());
    EXPECT_FALSE(read_proc_stat(44, root).has_value());
    for (const char* f : {"/42/stat", "/43/stat", "/42", "/43", ""}) {
        ::unlink((root + f).c_str());
        ::rmdir((root + f).c_str());
    }
}

// A real tree, shaped like a service: M (setsid, as the Spawner does) with a child
// G in its session, and a child G2 that calls setsid() itself, with a child G3.
// U is an unrelated child of the test. Everything blocks on `gate` until released.
TEST(NotifyAccess, RealProcessTree) {
    int gate[2], report[2];
    ASSERT_EQ(::pipe(gate), 0);
    ASSERT_EQ(::pipe(report), 0);
    struct Record {
        char tag;
        pid_t pid;
    };
    const auto hold = [&] {  // in a child: wait for the test to finish
        ::close(gate[1]);
        ::close(report[0]);
        char c;
        while (::read(gate[0], &c, 1) > 0) {
        }
    };
    const auto tell = [&](char tag, pid_t pid) {
        Record r{tag, pid};
        return ::write(report[1], &r, sizeof r) == sizeof r;
    };
    const auto spawn_held = [&](auto&& before_hold) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            before_hold();
            hold();
            while (::wait(nullptr) > 0) {
            }
            ::_exit(0);
        }
        return pid;
    };

    const pid_t m = spawn_held([&] {
        ::setsid();
        const pid_t g = spawn_held([] {});
        const pid_t g2 = spawn_held([&] {
            ::setsid();
            tell('3', spawn_held([] {}));
        });
        tell('1', g);
        tell('2', g2);
    });
    const pid_t u = spawn_held([] {});
    ::close(gate[0]);
    ::close(report[1]);

    std::map<char, pid_t> pids;
    Record r;
    while (pids.size() < 3 && ::read(report[0], &r, sizeof r) == sizeof r) pids[r.tag] = r.pid;
    ASSERT_EQ(pids.size(), 3u);
    const pid_t g = pids['1'], g2 = pids['2'], g3 = pids['3'];

    // The session id is only set once M has run setsid(); M reported after it did.
    const NotifyScope all{NotifyAccess::all, m, m};
    EXPECT_EQ(may_notify(all, m).why, "main process");
    EXPECT_EQ(may_notify(all, g).why, "in the service's session " + std::to_string(m));
    EXPECT_EQ(may_notify(all, g2).why, "descends from main pid " + std::to_string(m));
    EXPECT_EQ(may_notify(all, g3).why, "descends from main pid " + std::to_string(m));
    EXPECT_FALSE(may_notify(all, u).allowed);
    EXPECT_FALSE(may_notify(all, ::getpid()).allowed);

    const NotifyScope main{NotifyAccess::main, m, m};
    EXPECT_TRUE(may_notify(main, m).allowed);
    for (pid_t other : {g, g2, g3, u}) EXPECT_FALSE(may_notify(main, other).allowed) << other;

    ::close(gate[1]);
    ::close(report[0]);
    int status = 0;
    EXPECT_EQ(::waitpid(m, &status, 0), m);
    EXPECT_EQ(::waitpid(u, &status, 0), u);
}

}  // namespace
}  // namespace sv::activation
