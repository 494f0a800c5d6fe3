// Abstract squatters, injected bind/listen failures, release removing only our own
// inode, symlinks created and removed only while they point at the socket.
#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <sys/wait.h>

#include <cerrno>

#include "base/syscalls.hpp"
#include "net/listener.hpp"
#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;

class FailingBind : public SysCalls {
  public:
    explicit FailingBind(int err) : err_(err) {}
    int bind(int, const sockaddr*, socklen_t) override {
        errno = err_;
        return -1;
    }

  private:
    int err_;
};

TEST(Abstract, SquatterMessageNamesTheHolder) {
    const std::string name = "sv-net-squat-" + std::to_string(::getpid());
    Fd holder(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    socklen_t len = 0;
    sockaddr_un sa = unix_addr(name, true, len);
    ASSERT_EQ(::bind(holder.get(), reinterpret_cast<sockaddr*>(&sa), len), 0);
    auto b = bind_listener(abstract_spec(name));
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().err, EADDRINUSE);
    const std::string msg = b.error().message();
    EXPECT_NE(msg.find("abstract address '@" + name + "' is already bound by pid " +
                       std::to_string(::getpid())),
              std::string::npos)
        << msg;
}

TEST(Abstract, SquatterInAForkedChild) {
    const std::string name = "sv-net-squat-child-" + std::to_string(::getpid());
    int ready[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    pid_t child = ::fork();
    if (child == 0) {
        int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
        socklen_t len = 0;
        sockaddr_un sa = unix_addr(name, true, len);
        ::bind(s, reinterpret_cast<sockaddr*>(&sa), len);
        ::write(ready[1], "r", 1);
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::close(ready[0]);
    auto b = bind_listener(abstract_spec(name));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message().find("pid " + std::to_string(child) + " ("), std::string::npos)
        << b.error().message();
}

TEST(Injected, EaddrinuseThroughTheSeam) {
    TempDir dir;
    FailingBind fail(EADDRINUSE);
    ScopedSysCalls scope(fail);
    auto b = bind_listener(path_spec(dir / "e.sock"));
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().err, EADDRINUSE);
    EXPECT_EQ(b.error().message().rfind(
                  "cannot bind '" + (dir / "e.sock") + "': Address already in use", 0),
              0u);
    auto t = bind_listener(inet_spec(Family::tcp, "127.0.0.1", false));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().message(), "cannot bind 'tcp://127.0.0.1:0': Address already in use");
}

TEST(Injected, ListenFailureLeavesNoSocketFile) {
    struct FailingListen : SysCalls {
        int listen(int, int) override {
            errno = EMFILE;
            return -1;
        }
    } fail;
    TempDir dir;
    ScopedSysCalls scope(fail);
    auto b = bind_listener(path_spec(dir / "l.sock"));
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().err, EMFILE);
    EXPECT_FALSE(exists(dir / "l.sock"));
}

TEST(Release, RemovesOurInode) {
    TempDir dir;
    auto b = bind_listener(path_spec(dir / "r.sock"));
    ASSERT_TRUE(b.ok());
    release_listener(*b, true);
    EXPECT_FALSE(b->fd.valid());
    EXPECT_FALSE(exists(dir / "r.sock"));
}

TEST(Release, KeepsAReplacement) {
    TempDir dir;
    const std::string path = dir / "r.sock";
    auto b = bind_listener(path_spec(path));
    ASSERT_TRUE(b.ok());
    // Someone else takes the path meanwhile (hold the old inode open elsewhere so its
    // number cannot be reused by the replacement).
    ::link(path.c_str(), (dir / "old").c_str());
    ::unlink(path.c_str());
    Fd other(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    socklen_t len = 0;
    sockaddr_un sa = unix_addr(path, false, len);
    ASSERT_EQ(::bind(other.get(), reinterpret_cast<sockaddr*>(&sa), len), 0);
    release_listener(*b, true);
    EXPECT_TRUE(exists(path));
}

TEST(Release, RemoveOnStopFalseAndUnlinkFalseKeepThePath) {
    TempDir dir;
    auto spec = path_spec(dir / "k.sock");
    spec.remove_on_stop = false;
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok());
    release_listener(*b, true);
    EXPECT_TRUE(exists(dir / "k.sock"));
    auto c = bind_listener(path_spec(dir / "k2.sock"));
    ASSERT_TRUE(c.ok());
    release_listener(*c, false);
    EXPECT_TRUE(exists(dir / "k2.sock"));
}

TEST(Release, AdoptedNeverUnlinks) {
    TempDir dir;
    const std::string path = dir / "a.sock";
    auto b = bind_listener(path_spec(path));
    ASSERT_TRUE(b.ok());
    BoundListener adopted = adopt_listener(std::move(b->fd), path_spec(path));
    EXPECT_TRUE(adopted.adopted);
    EXPECT_EQ(adopted.ino, lstat_of(path).st_ino);  // sock_diag agrees with lstat
    release_listener(adopted, true);
    EXPECT_TRUE(exists(path));
}

TEST(Symlinks, CreatedPointingAtTheSocketAndRemovedOnRelease) {
    TempDir dir;
    auto spec = path_spec(dir / "s.sock");
    spec.symlinks = {dir / "alias.sock", dir / "new/dir/alias2.sock"};
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok()) << b.error().message();
    EXPECT_EQ(b->symlinks_created.size(), 2u);
    Fd c;
    EXPECT_EQ(unix_connect(dir / "alias.sock", SOCK_STREAM, false, c), 0);
    EXPECT_EQ(unix_connect(dir / "new/dir/alias2.sock", SOCK_STREAM, false, c), 0);
    release_listener(*b, true);
    EXPECT_FALSE(exists(dir / "alias.sock"));
    EXPECT_FALSE(exists(dir / "new/dir/alias2.sock"));
    EXPECT_FALSE(exists(dir / "s.sock"));
}

TEST(Symlinks, ExistingLinkToUsIsKeptOtherEntriesFollowThePolicy) {
    TempDir dir, outside;
    const std::string victim = outside / "victim";
    write_file(victim, "precious");
    ::symlink((dir / "s.sock").c_str(), (dir / "ours").c_str());
    ::symlink(victim.c_str(), (dir / "theirs").c_str());
    auto spec = path_spec(dir / "s.sock");
    spec.symlinks = {dir / "ours", dir / "theirs"};
    auto b = bind_listener(spec);
    ASSERT_FALSE(b.ok());  // stale: a symlink elsewhere is not replaced
    EXPECT_NE(b.error().message().find("symbolic link to '" + victim + "'"), std::string::npos)
        << b.error().message();
    EXPECT_FALSE(exists(dir / "s.sock"));  // the socket was released again
    EXPECT_TRUE(exists(dir / "ours"));

    spec.overwrite = unit::Overwrite::always;
    b = bind_listener(spec);
    ASSERT_TRUE(b.ok()) << b.error().message();
    char buf[256] = {};
    ::readlink((dir / "theirs").c_str(), buf, sizeof buf - 1);
    EXPECT_EQ(std::string(buf), dir / "s.sock");
    EXPECT_EQ(read_file(victim), "precious");
}

TEST(Symlinks, ReleaseKeepsALinkRetargetedBySomeoneElse) {
    TempDir dir;
    auto spec = path_spec(dir / "s.sock");
    spec.symlinks = {dir / "alias"};
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok());
    ::unlink((dir / "alias").c_str());
    ::symlink("/elsewhere", (dir / "alias").c_str());
    release_listener(*b, true);
    EXPECT_TRUE(exists(dir / "alias"));
}

TEST(NoPermissionWindow, FirstObservationIsAlreadyDeclared) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    // A watcher that lstat()s the entry the moment inotify reports its creation must
    // never see another owner, group or mode (a bind-then-chown design fails this).
    TempDir dir;
    const std::string path = dir / "w.sock";
    Fd in(::inotify_init1(IN_CLOEXEC));
    ASSERT_GE(::inotify_add_watch(in.get(), dir.path().c_str(), IN_CREATE), 0);
    int ready[2], result[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(result, O_CLOEXEC), 0);
    pid_t child = ::fork();
    if (child == 0) {
        ::write(ready[1], "r", 1);
        char ev[4096];
        ::read(in.get(), ev, sizeof ev);
        struct stat st {};
        ::lstat(path.c_str(), &st);
        unsigned v[3] = {st.st_uid, st.st_gid, st.st_mode & 07777u};
        ::write(result[1], v, sizeof v);
        ::_exit(0);
    }
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    auto spec = path_spec(path);
    spec.owner = unit::Principal{"65534", 65534};
    spec.group = unit::Principal{"12345", 12345};
    spec.mode = 0620;
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok());
    unsigned v[3] = {};
    ASSERT_EQ(::read(result[0], v, sizeof v), static_cast<ssize_t>(sizeof v));
    ::waitpid(child, nullptr, 0);
    for (int fd : {ready[0], ready[1], result[0], result[1]}) ::close(fd);
    EXPECT_EQ(v[0], 65534u);
    EXPECT_EQ(v[1], 12345u);
    EXPECT_EQ(v[2], 0620u);
}

}  // namespace
}  // namespace sv::net
