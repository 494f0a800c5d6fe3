// BindSession: one directory fd and one credentials read shared by the binds of a
// start-up or reload, and no weaker than opening the directory per socket — a
// directory swapped under a live session makes the bind fail, never land unchecked.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdio>

#include "net/bind_session.hpp"
#include "net/listener.hpp"
#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;

TEST(BindSession, SocketsInOneDirectoryShareOneOpenDirectory) {
    TempDir dir;
    BindSession session;
    auto first = session.parent_directory(dir / "a.sock", std::nullopt);
    auto second = session.parent_directory(dir / "b.sock", std::nullopt);
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_EQ(*first, *second);  // the same entry, not a second open
    struct stat via_fd {
    }, via_path{};
    ASSERT_EQ(::fstat((*first)->fd.get(), &via_fd), 0);
    ASSERT_EQ(::stat(dir.path().c_str(), &via_path), 0);
    EXPECT_EQ(via_fd.st_ino, via_path.st_ino);
    EXPECT_EQ((*first)->facts.gid, via_path.st_gid);

    auto elsewhere = session.parent_directory("/tmp/x.sock", std::nullopt);
    ASSERT_TRUE(elsewhere.ok());
    EXPECT_NE(*elsewhere, *first);
}

TEST(BindSession, BindsInOneSessionEachGetTheirDeclaredSocket) {
    TempDir dir;
    BindSession session;
    for (const char* name : {"a.sock", "b.sock", "c.sock"}) {
        auto spec = path_spec(dir / name);
        spec.mode = 0600;
        auto b = bind_listener(spec, session);
        ASSERT_TRUE(b.ok()) << b.error().message();
        struct stat st = lstat_of(dir / name);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, 0600u);
        EXPECT_EQ(b->ino, st.st_ino);
    }
}

TEST(BindSession, ADirectorySwappedUnderTheSessionFailsTheBindInsteadOfTrustingIt) {
    TempDir root;
    const std::string run = root / "run";
    ASSERT_EQ(::mkdir(run.c_str(), 0755), 0);
    BindSession session;
    ASSERT_TRUE(bind_listener(path_spec(run + "/a.sock"), session).ok());

    // Between two binds of the session, the directory is renamed away and another
    // one put at its path (an attacker with write access to the parent, or an admin).
    ASSERT_EQ(::rename(run.c_str(), (root / "moved").c_str()), 0);
    ASSERT_EQ(::mkdir(run.c_str(), 0755), 0);

    auto b = bind_listener(path_spec(run + "/b.sock"), session);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message().find("not at the path in the directory that was checked"),
              std::string::npos)
        << b.error().message();
    // Nothing was created in the directory the session had checked.
    EXPECT_FALSE(exists(root / "moved/b.sock"));

    // A new session (the next start-up or reload) opens the new directory.
    BindSession next;
    auto again = bind_listener(path_spec(run + "/c.sock"), next);
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_TRUE(S_ISSOCK(lstat_of(run + "/c.sock").st_mode));
}

int open_fd_count() {
    int n = 0;
    for (int fd = 0; fd < 4096; ++fd)
        if (::fcntl(fd, F_GETFD) >= 0) ++n;
    return n;
}

// Under a tight RLIMIT_NOFILE the cached directories are given back rather than
// costing a socket: the limit leaves one fd free, three are cached, and a bind
// needs three at its peak (directory, socket, the SIOCUNIXFILE answer).
TEST(BindSession, RunningOutOfFdsReleasesTheCacheAndTheBindSucceeds) {
    TempDir root;
    for (const char* d : {"a", "b", "c", "d"}) ASSERT_EQ(::mkdir((root / d).c_str(), 0755), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        BindSession session;
        for (const char* d : {"a", "b", "c"})
            if (!session.parent_directory(root / (std::string(d) + "/s.sock"), std::nullopt).ok())
                _exit(10);
        // Exactly one free fd number: fill every gap below the highest open fd, then
        // set the soft limit just above it (the limit counts numbers, not open fds).
        int highest = 0;
        for (int fd = 0; fd < 4096; ++fd)
            if (::fcntl(fd, F_GETFD) >= 0) highest = fd;
        for (int fd = 0; fd < highest; ++fd)
            if (::fcntl(fd, F_GETFD) < 0) ::dup2(0, fd);
        struct rlimit rl {};
        ::getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = static_cast<rlim_t>(highest) + 2;
        if (::setrlimit(RLIMIT_NOFILE, &rl) < 0) _exit(11);
        if (open_fd_count() != highest + 1) _exit(14);
        auto b = bind_listener(path_spec(root / "d/s.sock"), session);
        if (!b.ok()) {
            std::fprintf(stderr, "%s\n", b.error().message().c_str());
            _exit(12);
        }
        _exit(exists(root / "d/s.sock") ? 0 : 13);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(BindSession, AFailedOpenIsNotRememberedAndTheCacheStaysBounded) {
    TempDir root;
    BindSession session;
    const std::string missing = root / "later";
    EXPECT_FALSE(session.parent_directory(missing + "/x.sock", std::nullopt).ok());
    ASSERT_EQ(::mkdir(missing.c_str(), 0755), 0);
    EXPECT_TRUE(session.parent_directory(missing + "/x.sock", std::nullopt).ok());

    // Many distinct directories: the session keeps at most a handful of fds open.
    const int before = open_fd_count();
    for (int i = 0; i < 100; ++i) {
        const std::string d = root / ("d" + std::to_string(i));
        ASSERT_EQ(::mkdir(d.c_str(), 0755), 0);
        ASSERT_TRUE(session.parent_directory(d + "/s.sock", std::nullopt).ok());
    }
    EXPECT_LE(open_fd_count() - before, 16);
}

}  // namespace
}  // namespace sv::net
