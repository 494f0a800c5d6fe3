// ControlServer over real Unix sockets in a private temp dir. The test thread
// drives the EventLoop with run_once (never blocking: a 5 ms timer per turn) and
// plays the clients with non-blocking sockets; peer credentials come from forks.
#include "daemon/control_server.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "base/syscalls.hpp"

namespace sv::daemon {
namespace {

using namespace std::chrono_literals;

constexpr gid_t kNogroup = 65534;
constexpr uid_t kNobody = 65534;

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/sv-control-test-XXXXXX";
        path_ = ::mkdtemp(tmpl);
        ::chmod(path_.c_str(), 0755);  // forked clients run as nobody
    }
    ~TempDir() {
        ::nftw(
            path_.c_str(), [](const char* p, const struct stat*, int, FTW*) { return ::remove(p); },
            64, FTW_DEPTH | FTW_PHYS);
    }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

sockaddr_un address_of(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.data(), path.size());
    return sa;
}

// One client connection, non-blocking after connect.
struct TestClient {
    Fd fd;
    std::string received;
    bool eof = false;
    int error = 0;

    explicit TestClient(const std::string& path) {
        fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un sa = address_of(path);
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) error = errno;
        ::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
    }
    void send(const std::string& data) {
        ASSERT_EQ(::send(fd.get(), data.data(), data.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(data.size()));
    }
    // Reads what is available.
    void poll() {
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n > 0) {
                received.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0) eof = true;
            if (n < 0 && errno != EAGAIN) error = errno;
            return;
        }
    }
    bool has_line() {
        poll();
        return received.find('\n') != std::string::npos;
    }
    bool closed() {
        poll();
        return eof || error != 0;
    }
};

class ControlServerTest : public ::testing::Test {
  protected:
    TempDir dir;
    std::string path = dir / "control.sock";
    EventLoop loop = std::move(EventLoop::create().value());
    std::vector<std::pair<std::string, PeerCred>> seen;
    ControlServer::Handler echo = [this](const std::string& line, const PeerCred& peer) {
        seen.emplace_back(line, peer);
        return "reply:" + line;
    };

    std::unique_ptr<ControlServer> open(ControlLimits limits = {},
                                        std::optional<gid_t> group = std::nullopt) {
        auto server = ControlServer::open(loop, path, group, echo, limits);
        EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message());
        return server.ok() ? std::move(server.value()) : nullptr;
    }

    // Runs the loop until `done` (true) or `limit` passes (false).
    bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5000ms) {
        const auto deadline = Clock::now() + limit;
        while (!done()) {
            if (Clock::now() > deadline) return false;
            auto tick = loop.at(Clock::now() + 5ms, [] {});
            EXPECT_TRUE(loop.run_once().ok());
            loop.cancel(tick);
        }
        return true;
    }
    void pump_for(std::chrono::milliseconds d) {
        const auto end = Clock::now() + d;
        pump_until([&] { return Clock::now() >= end; }, d + 1000ms);
    }
};

TEST_F(ControlServerTest, RequestReplyRoundTripWithPeerCredentials) {
    auto server = open();
    TestClient c(path);
    c.send("{\"cmd\":\"status\"}\n");
    ASSERT_TRUE(pump_until([&] { return c.has_line(); }));
    EXPECT_EQ(c.received, "reply:{\"cmd\":\"status\"}\n");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].second.uid, ::getuid());
    EXPECT_EQ(seen[0].second.gid, ::getgid());
    EXPECT_EQ(seen[0].second.pid, ::getpid());
    EXPECT_FALSE(c.closed());  // the connection stays open for more
}

TEST_F(ControlServerTest, TwoRequestsOnOneConnection) {
    auto server = open();
    TestClient c(path);
    c.send("one\n");
    ASSERT_TRUE(pump_until([&] { return c.has_line(); }));
    c.send("two\n");
    ASSERT_TRUE(pump_until([&] {
        c.poll();
        return c.received.size() == 20;
    }));
    EXPECT_EQ(c.received, "reply:one\nreply:two\n");
}

TEST_F(ControlServerTest, PipelinedRequestsInOneWriteAreAnsweredInOrder) {
    auto server = open();
    TestClient c(path);
    c.send("a\nb\nc\n");
    ASSERT_TRUE(pump_until([&] {
        c.poll();
        return c.received.size() == 24;
    }));
    EXPECT_EQ(c.received, "reply:a\nreply:b\nreply:c\n");
}

TEST_F(ControlServerTest, ManyPipelinedRequestsDoNotStarveAnotherClient) {
    auto server = open();
    TestClient greedy(path);
    TestClient other(path);
    std::string burst;
    for (int i = 0; i < 1000; ++i) burst += "x\n";
    greedy.send(burst);
    other.send("b\n");
    ASSERT_TRUE(pump_until([&] { return other.has_line(); }));
    // "b" is handled after at most one turn of greedy's requests, not after all
    // the replies that fit in greedy's socket buffer (hundreds).
    std::size_t position = 0;
    while (position < seen.size() && seen[position].first != "b") ++position;
    EXPECT_LE(position, static_cast<std::size_t>(2 * kControlRequestsPerEvent));
    ASSERT_TRUE(pump_until([&] {
        greedy.poll();
        return greedy.received.size() == 1000 * std::string("reply:x\n").size();
    }));
}

TEST_F(ControlServerTest, BytesPassThroughUnjudged) {
    auto server = open();
    TestClient c(path);
    c.send(std::string("a\0b\xff\xfe\r\n", 7));
    ASSERT_TRUE(pump_until([&] { return c.has_line(); }));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].first, std::string("a\0b\xff\xfe\r", 6));
}

TEST_F(ControlServerTest, LineOfExactlyTheLimitIsAccepted) {
    auto server = open();
    TestClient c(path);
    // Written in pieces while the server reads: the socket buffer is smaller.
    std::string line(kMaxControlRequestBytes, 'x');
    line += '\n';
    std::size_t sent = 0;
    ASSERT_TRUE(pump_until([&] {
        if (sent < line.size()) {
            ssize_t n = ::send(c.fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
            if (n > 0) sent += static_cast<std::size_t>(n);
        }
        return c.has_line();
    }));
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].first.size(), kMaxControlRequestBytes);
}

TEST_F(ControlServerTest, OneMebibyteLineGetsTooLargeAndIsClosed) {
    auto server = open();
    TestClient c(path);
    const std::string big(1 << 20, 'x');
    std::size_t sent = 0;
    ASSERT_TRUE(pump_until([&] {
        if (sent < big.size()) {
            ssize_t n = ::send(c.fd.get(), big.data() + sent, big.size() - sent, MSG_NOSIGNAL);
            if (n > 0) sent += static_cast<std::size_t>(n);
        }
        return c.closed();
    }));
    EXPECT_EQ(c.received,
              "{\"ok\":false,\"code\":\"too_large\",\"error\":\"request larger than 65536 "
              "bytes\"}\n");
    EXPECT_TRUE(seen.empty());
    EXPECT_LT(sent, big.size());  // closed long before the whole line arrived
    EXPECT_EQ(server->client_count(), 0u);
}

TEST_F(ControlServerTest, OverlongLineArrivingWithItsNewlineIsRefusedToo) {
    ControlLimits limits;
    limits.max_request_bytes = 8;
    auto server = open(limits);
    TestClient c(path);
    c.send("123456789\nnext\n");
    ASSERT_TRUE(pump_until([&] { return c.closed(); }));
    EXPECT_EQ(c.received,
              "{\"ok\":false,\"code\":\"too_large\",\"error\":\"request larger than 8 bytes\"}\n");
    EXPECT_TRUE(seen.empty());  // nothing after the refused line is handled
}

TEST_F(ControlServerTest, IdleClientIsClosedAfterTheTimeout) {
    ControlLimits limits;
    limits.idle_timeout = 100ms;
    auto server = open(limits);
    TestClient silent(path);
    TestClient trickle(path);
    trickle.send("{\"cmd\":");  // a request that never completes
    const auto start = Clock::now();
    ASSERT_TRUE(pump_until([&] { return silent.closed() && trickle.closed(); }));
    EXPECT_GE(Clock::now() - start, 90ms);
    EXPECT_EQ(server->client_count(), 0u);
    EXPECT_TRUE(seen.empty());
}

TEST_F(ControlServerTest, ActivityRearmsTheIdleTimeout) {
    ControlLimits limits;
    limits.idle_timeout = 150ms;
    auto server = open(limits);
    TestClient c(path);
    for (int i = 0; i < 4; ++i) {  // 4 × 80 ms > 150 ms, but never 150 ms idle
        pump_for(80ms);
        c.send("ping\n");
        ASSERT_TRUE(pump_until([&] { return c.has_line(); }));
        c.received.clear();
    }
    EXPECT_FALSE(c.closed());
}

TEST_F(ControlServerTest, TwoHundredIdleConnectionsDoNotBlockAnAnswer) {
    auto server = open();
    std::vector<std::unique_ptr<TestClient>> idle;
    for (int i = 0; i < 200; ++i) {
        idle.push_back(std::make_unique<TestClient>(path));
        ASSERT_EQ(idle.back()->error, 0);
    }
    pump_for(50ms);
    EXPECT_LE(server->client_count(), kMaxControlClients);
    TestClient c(path);
    c.send("status\n");
    ASSERT_TRUE(pump_until([&] { return c.has_line(); }));
    EXPECT_EQ(c.received, "reply:status\n");
    EXPECT_TRUE(idle.front()->closed());  // the least recently active made room
    EXPECT_LE(server->client_count(), kMaxControlClients);
}

TEST_F(ControlServerTest, AtTheClientLimitTheLeastRecentlyActiveIsClosed) {
    ControlLimits limits;
    limits.max_clients = 2;
    auto server = open(limits);
    TestClient first(path);
    TestClient second(path);
    pump_for(20ms);
    first.send("x\n");  // first is now more recently active than second
    ASSERT_TRUE(pump_until([&] { return first.has_line(); }));
    TestClient third(path);
    ASSERT_TRUE(pump_until([&] { return second.closed(); }));
    EXPECT_FALSE(first.closed());
    third.send("y\n");
    ASSERT_TRUE(pump_until([&] { return third.has_line(); }));
    EXPECT_EQ(server->client_count(), 2u);
}

TEST_F(ControlServerTest, HalfClosedClientStillGetsItsReplies) {
    auto server = open();
    TestClient c(path);
    c.send("a\nlast-without-newline");
    ASSERT_EQ(::shutdown(c.fd.get(), SHUT_WR), 0);
    ASSERT_TRUE(pump_until([&] { return c.closed(); }));
    EXPECT_EQ(c.received, "reply:a\nreply:last-without-newline\n");
    EXPECT_EQ(c.error, 0);
    EXPECT_EQ(server->client_count(), 0u);
}

TEST_F(ControlServerTest, PeerThatVanishesIsDropped) {
    auto server = open();
    {
        TestClient c(path);
        c.send("a\n");
    }  // closed before reading its reply: the write fails with EPIPE, quietly
    ASSERT_TRUE(pump_until([&] { return seen.size() == 1 && server->client_count() == 0; }));
    TestClient d(path);
    d.send("b\n");
    ASSERT_TRUE(pump_until([&] { return d.has_line(); }));
}

TEST_F(ControlServerTest, SlowReaderDoesNotStallOthers) {
    const std::string big(4 << 20, 'z');
    echo = [&](const std::string& line, const PeerCred&) { return line == "big" ? big : line; };
    auto server = open();
    TestClient slow(path);
    slow.send("big\n");
    pump_for(20ms);  // the big reply fills the socket buffer; slow reads nothing
    TestClient quick(path);
    quick.send("hi\n");
    ASSERT_TRUE(pump_until([&] { return quick.has_line(); }));
    EXPECT_EQ(quick.received, "hi\n");
    ASSERT_TRUE(pump_until([&] {
        slow.poll();
        return slow.received.size() == big.size() + 1;
    }));
    EXPECT_EQ(slow.received, big + "\n");
}

TEST_F(ControlServerTest, HandlerExceptionBecomesAnErrorReply) {
    echo = [](const std::string& line, const PeerCred&) -> std::string {
        if (line == "boom") throw std::runtime_error("boom");
        return "fine";
    };
    auto server = open();
    TestClient c(path);
    c.send("boom\nok\n");
    ASSERT_TRUE(pump_until([&] {
        c.poll();
        return c.received.ends_with("fine\n");
    }));
    EXPECT_EQ(c.received,
              "{\"ok\":false,\"code\":\"bad_request\",\"error\":\"internal error while handling "
              "the request\"}\nfine\n");
}

TEST_F(ControlServerTest, SocketIsBorn0660WithTheGroupAndTheUmaskIsRestored) {
    const mode_t before = ::umask(0022);
    auto server = open({}, kNogroup);
    EXPECT_EQ(::umask(0022), 0022);
    ::umask(before);
    struct stat st;
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    EXPECT_EQ(st.st_uid, ::geteuid());
    EXPECT_EQ(st.st_gid, kNogroup);
}

TEST_F(ControlServerTest, WithoutAGroupTheSocketKeepsOurs) {
    auto server = open();
    struct stat st;
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    EXPECT_EQ(st.st_gid, ::getegid());
}

TEST_F(ControlServerTest, StaleSocketIsReplaced) {
    {
        Fd old(::socket(AF_UNIX, SOCK_STREAM, 0));
        sockaddr_un sa = address_of(path);
        ASSERT_EQ(::bind(old.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    }  // closed: the file stays, nobody listens
    auto server = open();
    ASSERT_NE(server, nullptr);
    TestClient c(path);
    c.send("x\n");
    ASSERT_TRUE(pump_until([&] { return c.has_line(); }));
}

TEST_F(ControlServerTest, LiveSocketIsNotStolen) {
    Fd live(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un sa = address_of(path);
    ASSERT_EQ(::bind(live.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(live.get(), 4), 0);
    auto server = ControlServer::open(loop, path, std::nullopt, echo);
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.error().message(),
              "cannot bind '" + path + "': another process is listening on it");
    struct stat st;
    EXPECT_EQ(::lstat(path.c_str(), &st), 0);
}

TEST_F(ControlServerTest, RegularFileAtThePathIsRefusedAndKept) {
    std::ofstream(path) << "precious";
    auto server = ControlServer::open(loop, path, std::nullopt, echo);
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.error().message(),
              "cannot replace '" + path + "': exists and is not a socket; not replacing it");
    std::ifstream in(path);
    std::string text;
    in >> text;
    EXPECT_EQ(text, "precious");
}

TEST_F(ControlServerTest, DestructorUnlinksOnlyItsOwnSocket) {
    auto server = open();
    server.reset();
    struct stat st;
    EXPECT_NE(::lstat(path.c_str(), &st), 0);

    server = open();
    ASSERT_EQ(::unlink(path.c_str()), 0);
    std::ofstream(path) << "successor";  // someone else owns the path now
    server.reset();
    EXPECT_EQ(::lstat(path.c_str(), &st), 0);
}

TEST_F(ControlServerTest, ClientsAreClosedWithTheServer) {
    auto server = open();
    TestClient c(path);
    pump_for(10ms);
    EXPECT_EQ(server->client_count(), 1u);
    server.reset();
    EXPECT_TRUE(c.closed());
}

// Runs in a fork: become uid `uid` / gid `gid`, connect, ask, check the reply.
// Exit 0 on the expected outcome (reply, or EACCES when `expect_refusal`).
[[noreturn]] void client_as(const std::string& path, uid_t uid, gid_t gid, bool expect_refusal) {
    ::alarm(10);  // never hang the test run
    if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
        ::setresuid(uid, uid, uid) != 0)
        ::_exit(10);
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa = address_of(path);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
        ::_exit(expect_refusal && errno == EACCES ? 0 : 11);
    if (expect_refusal) ::_exit(12);
    if (::write(fd, "whoami\n", 7) != 7) ::_exit(13);
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    ::_exit(n == 13 && std::memcmp(buf, "reply:whoami\n", 13) == 0 ? 0 : 14);
}

TEST_F(ControlServerTest, PeerCredentialsOfAnUnprivilegedClient) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to become nobody";
    auto server = open({}, kNogroup);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) client_as(path, kNobody, kNogroup, false);
    int status = 0;
    ASSERT_TRUE(pump_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }));
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].second.uid, kNobody);
    EXPECT_EQ(seen[0].second.gid, kNogroup);
    EXPECT_EQ(seen[0].second.pid, pid);
}

TEST_F(ControlServerTest, OutsidersCannotConnect) {
    // Negative control for the mode: nobody without the socket's group is refused
    // by the kernel, before the server sees anything.
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to become nobody";
    auto server = open({}, kNogroup);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) client_as(path, kNobody, kNogroup - 1, true);
    int status = 0;
    ASSERT_TRUE(pump_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }));
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_TRUE(seen.empty());
}

// At the client limit a flooding uid closes its own connections, not another
// uid's: a control-group member cannot push root's sockvisorctl off the socket.
TEST_F(ControlServerTest, AFloodingUidEvictsOnlyItsOwnConnections) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to become nobody";
    ControlLimits limits;
    limits.max_clients = 4;
    auto server = open(limits, kNogroup);
    TestClient mine(path);  // root's, idle: the least recently active of all
    pump_for(20ms);
    int ready[2], hold[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(hold, O_CLOEXEC), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::alarm(10);
        ::close(hold[1]);  // else the read below never sees EOF
        if (::setgroups(0, nullptr) != 0 || ::setresgid(kNogroup, kNogroup, kNogroup) != 0 ||
            ::setresuid(kNobody, kNobody, kNobody) != 0)
            ::_exit(10);
        for (int i = 0; i < 8; ++i) {
            int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);  // kept open until exit
            sockaddr_un sa = address_of(path);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) ::_exit(11);
        }
        if (::write(ready[1], "k", 1) != 1) ::_exit(12);
        char c;
        [[maybe_unused]] ssize_t n = ::read(hold[0], &c, 1);  // until the parent closes it
        ::_exit(0);
    }
    ::close(ready[1]);
    ::close(hold[0]);
    Fd ready_end(ready[0]), hold_end(hold[1]);
    char c;
    ASSERT_EQ(::read(ready_end.get(), &c, 1), 1);
    pump_for(100ms);  // accept all eight: four of them must be evicted
    EXPECT_LE(server->client_count(), 4u);
    EXPECT_FALSE(mine.closed());
    mine.send("status\n");
    EXPECT_TRUE(pump_until([&] { return mine.has_line(); }));
    EXPECT_EQ(mine.received, "reply:status\n");
    hold_end.reset();
    int status = 0;
    ASSERT_TRUE(pump_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// accept4 fails with EMFILE `failures_left` times, then works.
class FailingAccept : public SysCalls {
  public:
    int failures_left = 1;
    int calls = 0;
    int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) override {
        ++calls;
        if (failures_left > 0) {
            --failures_left;
            errno = EMFILE;
            return -1;
        }
        return SysCalls::accept4(fd, addr, len, flags);
    }
};

// The first EMFILE gives up the spare fd and accepts at once; the spare is taken
// back when the client closes, ready for the next shortage.
TEST_F(ControlServerTest, OutOfFdsTheSpareFdLetsAClientIn) {
    ControlLimits limits;
    limits.accept_retry = 60s;  // a pause would outlast pump_until: the test would fail
    auto server = open(limits);
    for (int round = 0; round < 2; ++round) {
        FailingAccept failing;  // one EMFILE
        ScopedSysCalls guard(failing);
        auto c = std::make_unique<TestClient>(path);
        c->send("status\n");
        ASSERT_TRUE(pump_until([&] { return c->has_line(); })) << "round " << round;
        // The EMFILE, the accept in the spare's slot, then (at most) its EAGAIN.
        EXPECT_GE(failing.calls, 2);
        EXPECT_LE(failing.calls, 3);
        c.reset();
        ASSERT_TRUE(pump_until([&] { return server->client_count() == 0; }));
    }
}

// EMFILE again after the spare is spent: the server pauses instead of spinning on a
// readable listener, then accepts after the retry delay.
TEST_F(ControlServerTest, AcceptFailurePausesThenRecovers) {
    ControlLimits limits;
    limits.accept_retry = 100ms;
    auto server = open(limits);
    FailingAccept failing;
    failing.failures_left = 2;  // the first one spends the spare fd
    ScopedSysCalls guard(failing);
    TestClient c(path);
    c.send("x\n");
    const auto start = Clock::now();
    ASSERT_TRUE(pump_until([&] { return c.has_line(); }));
    EXPECT_GE(Clock::now() - start, 90ms);
    // Two failed calls, then the successful accept and its EAGAIN: no spinning.
    EXPECT_LE(failing.calls, 5);
}

}  // namespace
}  // namespace sv::daemon
