// The notify socket against real senders: forked children using libsystemd's
// sd_notify(), raw sendmsg() (what Python's socket.sendmsg does), and the
// systemd-notify binary; oversized, empty and NUL-carrying datagrams; passed fds.
#include "activation/notify_socket.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "activation/notify_message.hpp"
#include "base/limits.hpp"

namespace sv::activation {
namespace {

int open_fd_count() {
    int n = 0;
    DIR* d = ::opendir("/proc/self/fd");
    while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n - 1;  // the DIR's own fd
}

// Runs `body` in a forked child; the child's exit status is body's return value.
pid_t spawn(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    return pid;
}

int exit_code(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// What Python's socket.sendmsg([data], [(SOL_SOCKET, SCM_RIGHTS, fds)]) does.
int send_datagram(const std::string& path, std::string_view data,
                  const std::vector<int>& fds = {}) {
    int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return 10;
    // Room for 64 KiB datagrams on the sending side (the default wmem suffices on
    // most systems; be explicit).
    int sndbuf = 1 << 18;
    ::setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    iovec iov{const_cast<char*>(data.data()), data.size()};
    msghdr msg{};
    msg.msg_name = &addr;
    msg.msg_namelen = sizeof addr;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
    if (!fds.empty()) {
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    const ssize_t n = ::sendmsg(s, &msg, 0);
    ::close(s);
    return n == static_cast<ssize_t>(data.size()) ? 0 : 11;
}

class NotifySocketTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sv-notify-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        ::chmod(dir_.c_str(), 0755);  // lets a child that dropped to nobody reach the socket
        path_ = dir_ + "/notify.sock";
    }
    void TearDown() override {
        ::unlink(path_.c_str());
        ::rmdir(dir_.c_str());
    }

    NotifySocket bound() {
        auto s = NotifySocket::bind(path_);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
        return std::move(s).value();
    }

    // Waits for a datagram (never sleeps blindly), then receives it.
    static NotifyReceipt next(NotifySocket& sock) {
        pollfd p{sock.fd(), POLLIN, 0};
        EXPECT_EQ(::poll(&p, 1, 5000), 1) << "no datagram within 5 s";
        auto r = sock.receive();
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
        return r.ok() ? std::move(r).value() : NotifyReceipt{};
    }

    std::string dir_;
    std::string path_;
};

TEST_F(NotifySocketTest, BindsNonBlockingCloexecWithPasscredAndWorldWritable) {
    NotifySocket sock = bound();
    EXPECT_EQ(sock.path(), path_);
    EXPECT_TRUE(::fcntl(sock.fd(), F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(::fcntl(sock.fd(), F_GETFL) & O_NONBLOCK);
    int on = 0;
    socklen_t len = sizeof on;
    ASSERT_EQ(::getsockopt(sock.fd(), SOL_SOCKET, SO_PASSCRED, &on, &len), 0);
    EXPECT_EQ(on, 1);
    struct stat st {};
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, kNotifySocketMode);
}

TEST_F(NotifySocketTest, EmptyQueueIsDrained) {
    NotifySocket sock = bound();
    auto r = sock.receive();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->outcome, ReceiveOutcome::drained);
}

TEST_F(NotifySocketTest, ReplacesAStaleSocketButNothingElse) {
    { NotifySocket first = bound(); }  // closed, file left behind like after a crash
    struct stat st {};
    ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
    NotifySocket second = bound();
    EXPECT_EQ(spawn([&] { return send_datagram(path_, "READY=1"); }) > 0, true);
    EXPECT_EQ(next(second).outcome, ReceiveOutcome::message);

    const std::string file = dir_ + "/file";
    ::close(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    auto r = NotifySocket::bind(file);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(),
              "cannot bind notify socket '" + file + "': exists and is not a socket");
    EXPECT_EQ(::access(file.c_str(), F_OK), 0);
    ::unlink(file.c_str());
    ::wait(nullptr);
}

TEST_F(NotifySocketTest, RejectsRelativeAndOverlongPaths) {
    EXPECT_FALSE(NotifySocket::bind("notify.sock").ok());
    EXPECT_FALSE(NotifySocket::bind("/" + std::string(limits::kMaxUnixPathLength, 'a')).ok());
}

TEST_F(NotifySocketTest, UnlinkPathRemovesOnlyOurFile) {
    NotifySocket sock = bound();
    ASSERT_TRUE(sock.unlink_path().ok());
    EXPECT_NE(::access(path_.c_str(), F_OK), 0);
    // Someone else's file now at the path: left alone.
    ::close(::open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    ASSERT_TRUE(sock.unlink_path().ok());
    EXPECT_EQ(::access(path_.c_str(), F_OK), 0);
}

TEST_F(NotifySocketTest, ReceivesSdNotifyWithTheSendersCredentials) {
    NotifySocket sock = bound();
    const pid_t child = spawn([&] {
        ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
        return ::sd_notify(0, "READY=1\nSTATUS=hello") > 0 ? 0 : 1;
    });
    NotifyReceipt r = next(sock);
    EXPECT_EQ(exit_code(child), 0);
    ASSERT_EQ(r.outcome, ReceiveOutcome::message);
    EXPECT_EQ(r.text, "READY=1\nSTATUS=hello");
    ASSERT_TRUE(r.sender.has_value());
    EXPECT_EQ(r.sender->pid, child);
    EXPECT_EQ(r.sender->uid, ::getuid());
    EXPECT_EQ(r.sender->gid, ::getgid());
    EXPECT_TRUE(r.fds.empty());
    auto m = parse_notify_message(r.text);
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(m->ready);
}

TEST_F(NotifySocketTest, AnotherUserCanSendAndIsIdentified) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to become nobody";
    NotifySocket sock = bound();
    const pid_t child = spawn([&] {
        if (::setgid(65534) < 0 || ::setuid(65534) < 0) return 20;
        return send_datagram(path_, "READY=1");
    });
    NotifyReceipt r = next(sock);
    EXPECT_EQ(exit_code(child), 0);
    ASSERT_EQ(r.outcome, ReceiveOutcome::message);
    EXPECT_EQ(r.sender->pid, child);
    EXPECT_EQ(r.sender->uid, 65534u);
    EXPECT_EQ(r.sender->gid, 65534u);
}

TEST_F(NotifySocketTest, ReceivesPassedFdsCloexecAndClosesThemWithTheReceipt) {
    NotifySocket sock = bound();
    const int baseline = open_fd_count();
    const pid_t child = spawn([&] {
        int p[2];
        if (::pipe(p) < 0) return 30;
        return send_datagram(path_, "FDSTORE=1\nFDNAME=pipe", {p[0], p[1]});
    });
    {
        NotifyReceipt r = next(sock);
        EXPECT_EQ(exit_code(child), 0);
        ASSERT_EQ(r.outcome, ReceiveOutcome::message);
        EXPECT_EQ(r.sender->pid, child);
        ASSERT_EQ(r.fds.size(), 2u);
        for (const Fd& fd : r.fds) EXPECT_TRUE(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC);
        EXPECT_EQ(open_fd_count(), baseline + 2);
        // They are the pipe's two ends, in order: a byte goes through.
        ASSERT_EQ(::write(r.fds[1].get(), "x", 1), 1);
        char c = 0;
        ASSERT_EQ(::read(r.fds[0].get(), &c, 1), 1);
        EXPECT_EQ(c, 'x');
        // A caller that stores an fd moves it out; it survives the receipt.
        Fd kept = std::move(r.fds[0]);
        r = NotifyReceipt{};
        EXPECT_EQ(open_fd_count(), baseline + 1);
    }
    EXPECT_EQ(open_fd_count(), baseline);
}

TEST_F(NotifySocketTest, BarrierFdIsClosedWhenTheReceiptGoes) {
    // sd_notify_barrier() passes a pipe's write end and waits for EOF on the read
    // end: it returns only once sockvisord has closed the fd.
    NotifySocket sock = bound();
    const int baseline = open_fd_count();
    const pid_t child = spawn([&] {
        ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
        return ::sd_notify_barrier(0, 5'000'000) >= 0 ? 0 : 1;
    });
    {
        NotifyReceipt r = next(sock);
        ASSERT_EQ(r.outcome, ReceiveOutcome::message);
        EXPECT_EQ(r.text, "BARRIER=1");
        EXPECT_EQ(r.fds.size(), 1u);
        auto m = parse_notify_message(r.text);
        ASSERT_TRUE(m.ok());
        EXPECT_TRUE(m->barrier);
    }
    EXPECT_EQ(exit_code(child), 0);
    EXPECT_EQ(open_fd_count(), baseline);
}

TEST_F(NotifySocketTest, OversizedDatagramsAreDroppedWithTheirFds) {
    NotifySocket sock = bound();
    const int baseline = open_fd_count();
    const pid_t child = spawn([&] {
        int p[2];
        if (::pipe(p) < 0) return 30;
        if (int rc = send_datagram(path_, std::string(64 * 1024, 'a'), {p[0], p[1]})) return rc;
        if (int rc = send_datagram(path_, std::string(limits::kMaxNotifyMessageBytes + 1, 'b')))
            return rc;
        return send_datagram(path_,
                             "STATUS=" + std::string(limits::kMaxNotifyMessageBytes - 7, 'c'));
    });
    NotifyReceipt big = next(sock);
    EXPECT_EQ(big.outcome, ReceiveOutcome::dropped);
    EXPECT_EQ(big.drop_reason, "65536 bytes, larger than 4096");
    EXPECT_TRUE(big.fds.empty());
    ASSERT_TRUE(big.sender.has_value());
    EXPECT_EQ(big.sender->pid, child);  // known, so the daemon can say who it was
    EXPECT_EQ(open_fd_count(), baseline);

    NotifyReceipt one_over = next(sock);
    EXPECT_EQ(one_over.outcome, ReceiveOutcome::dropped);
    EXPECT_EQ(one_over.drop_reason, "4097 bytes, larger than 4096");

    NotifyReceipt at_limit = next(sock);
    EXPECT_EQ(at_limit.outcome, ReceiveOutcome::message);
    EXPECT_EQ(at_limit.text.size(), limits::kMaxNotifyMessageBytes);
    EXPECT_EQ(exit_code(child), 0);
    EXPECT_EQ(sock.receive()->outcome, ReceiveOutcome::drained);
}

TEST_F(NotifySocketTest, EmptyAndNulDatagramsArriveIntactForTheParserToReject) {
    NotifySocket sock = bound();
    const std::string with_nul("READY=1\0STATUS=x", 16);
    const pid_t child = spawn([&] {
        if (int rc = send_datagram(path_, "")) return rc;
        return send_datagram(path_, with_nul);
    });
    NotifyReceipt empty = next(sock);
    ASSERT_EQ(empty.outcome, ReceiveOutcome::message);
    EXPECT_EQ(empty.text, "");
    EXPECT_EQ(parse_notify_message(empty.text).error().detail, "empty message");

    NotifyReceipt nul = next(sock);
    ASSERT_EQ(nul.outcome, ReceiveOutcome::message);
    EXPECT_EQ(nul.text, with_nul);
    EXPECT_EQ(parse_notify_message(nul.text).error().detail, "contains a NUL byte");
    EXPECT_EQ(exit_code(child), 0);
}

TEST_F(NotifySocketTest, FdsThatDoNotFitAreDroppedAndClosed) {
    // The kernel installs passed fds at recvmsg time; when the receiver is out of
    // fds it installs what fits and sets MSG_CTRUNC. The receipt must drop the
    // message and close the ones that did arrive.
    NotifySocket sock = bound();
    const pid_t sender = spawn([&] {
        const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        return send_datagram(path_, "FDSTORE=1", std::vector<int>(10, null_fd));
    });
    ASSERT_EQ(exit_code(sender), 0);
    const pid_t receiver = spawn([&] {
        const int lowest_free = ::dup(0);
        ::close(lowest_free);
        // Exactly one slot left: every fd below lowest_free is taken.
        const rlimit one_more{static_cast<rlim_t>(lowest_free) + 1,
                              static_cast<rlim_t>(lowest_free) + 1};
        if (::setrlimit(RLIMIT_NOFILE, &one_more) < 0) return 50;
        auto r = sock.receive();
        if (!r.ok()) return 51;
        if (r->outcome != ReceiveOutcome::dropped) return 52;
        if (r->drop_reason.rfind("control data truncated", 0) != 0) return 53;
        if (!r->fds.empty()) return 54;
        if (::fcntl(lowest_free, F_GETFD) != -1) return 55;  // the one that fit is closed
        return 0;
    });
    EXPECT_EQ(exit_code(receiver), 0);
}

TEST_F(NotifySocketTest, SystemdNotifyBinary) {
    const char* tool = "/usr/bin/systemd-notify";
    if (::access(tool, X_OK) != 0) GTEST_SKIP() << "systemd-notify not installed";
    NotifySocket sock = bound();
    const int baseline = open_fd_count();
    const pid_t child = spawn([&] {
        ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
        ::execl(tool, tool, "--ready", "--status=from systemd-notify", nullptr);
        return 127;
    });
    NotifyReceipt r = next(sock);
    ASSERT_EQ(r.outcome, ReceiveOutcome::message);
    auto m = parse_notify_message(r.text);
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_TRUE(m->ready);
    EXPECT_EQ(m->status, "from systemd-notify");
    // systemd-notify speaks for its parent: it sends with ucred.pid = getppid() when
    // the kernel lets it (CAP_SYS_ADMIN, as here under root), else with its own pid.
    // The forked child *is* systemd-notify (exec); its parent is this process.
    ASSERT_TRUE(r.sender.has_value());
    EXPECT_TRUE(r.sender->pid == child || r.sender->pid == ::getpid()) << r.sender->pid;

    // Then (systemd >= 246) it waits with sd_notify_barrier() until the manager has
    // read everything: BARRIER=1 with a pipe fd, which it sees closed. Dropping the
    // receipt closes it; without that, systemd-notify would time out and fail.
    {
        NotifyReceipt barrier = next(sock);
        ASSERT_EQ(barrier.outcome, ReceiveOutcome::message);
        EXPECT_EQ(barrier.text, "BARRIER=1");
        EXPECT_EQ(barrier.fds.size(), 1u);
    }
    EXPECT_EQ(exit_code(child), 0);
    EXPECT_EQ(open_fd_count(), baseline);
}

}  // namespace
}  // namespace sv::activation
