// Every family and type binds, a real client connects or sends, getsockname() reports
// the declared name, and the fd is close-on-exec and blocking.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "net/listener.hpp"
#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;
using unit::SocketType;

void expect_cloexec_blocking(int fd) {
    EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC);
    EXPECT_FALSE(::fcntl(fd, F_GETFL) & O_NONBLOCK);
}

std::string sockname_path(int fd) {
    sockaddr_un sa{};
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    return sa.sun_path;
}

class UnixTypes : public ::testing::TestWithParam<SocketType> {};

TEST_P(UnixTypes, PathnameBindsAndClientReaches) {
    TempDir dir;
    const std::string path = dir / "app.sock";
    auto b = bind_listener(path_spec(path, GetParam()));
    ASSERT_TRUE(b.ok()) << b.error().message();
    expect_cloexec_blocking(b->fd.get());
    EXPECT_TRUE(S_ISSOCK(lstat_of(path).st_mode));
    EXPECT_EQ(sockname_path(b->fd.get()), path);  // the declared path, not a /proc alias
    EXPECT_EQ(lstat_of(path).st_ino, b->ino);
    EXPECT_EQ(lstat_of(path).st_dev, b->dev);

    Fd client;
    const int type = GetParam() == SocketType::stream      ? SOCK_STREAM
                     : GetParam() == SocketType::seqpacket ? SOCK_SEQPACKET
                                                           : SOCK_DGRAM;
    ASSERT_EQ(unix_connect(path, type, false, client), 0);
    ASSERT_EQ(::send(client.get(), "hi", 2, 0), 2);
    char buf[8];
    if (type == SOCK_DGRAM) {
        EXPECT_EQ(::recv(b->fd.get(), buf, sizeof buf, 0), 2);
    } else {
        Fd conn(::accept4(b->fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
        ASSERT_TRUE(conn.valid());
        EXPECT_EQ(::recv(conn.get(), buf, sizeof buf, 0), 2);
    }
    EXPECT_TRUE(matches(b->fd.get(), path_spec(path, GetParam())));
    release_listener(*b, true);
    EXPECT_FALSE(exists(path));
}

TEST_P(UnixTypes, AbstractBindsAndClientReaches) {
    const std::string name = "sv-net-test-" + std::to_string(::getpid()) + "-" +
                             std::string(unit::to_string(GetParam()));
    auto b = bind_listener(abstract_spec(name, GetParam()));
    ASSERT_TRUE(b.ok()) << b.error().message();
    expect_cloexec_blocking(b->fd.get());
    const int type = GetParam() == SocketType::stream      ? SOCK_STREAM
                     : GetParam() == SocketType::seqpacket ? SOCK_SEQPACKET
                                                           : SOCK_DGRAM;
    Fd client;
    ASSERT_EQ(unix_connect(name, type, true, client), 0);
    ASSERT_EQ(::send(client.get(), "x", 1, 0), 1);
    EXPECT_TRUE(matches(b->fd.get(), abstract_spec(name, GetParam())));
    EXPECT_FALSE(matches(b->fd.get(), abstract_spec(name + "x", GetParam())));
}

INSTANTIATE_TEST_SUITE_P(Types, UnixTypes,
                         ::testing::Values(SocketType::stream, SocketType::dgram,
                                           SocketType::seqpacket),
                         [](const auto& p) { return std::string(unit::to_string(p.param)); });

uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port)
                                    : ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

struct InetCase {
    Family family;
    bool ipv6;
    const char* host;
};

class Inet : public ::testing::TestWithParam<InetCase> {};

TEST_P(Inet, BindsAndClientReaches) {
    const InetCase c = GetParam();
    auto spec = inet_spec(c.family, c.host, c.ipv6);
    spec.ipv6_only = c.ipv6;
    spec.reuse_port = true;
    spec.receive_buffer = 65536;
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok()) << b.error().message();
    expect_cloexec_blocking(b->fd.get());
    const uint16_t port = local_port(b->fd.get());
    ASSERT_NE(port, 0);

    int v = 0;
    socklen_t len = sizeof v;
    ::getsockopt(b->fd.get(), SOL_SOCKET, SO_REUSEPORT, &v, &len);
    EXPECT_EQ(v, 1);
    ::getsockopt(b->fd.get(), SOL_SOCKET, SO_REUSEADDR, &v, &len);
    EXPECT_EQ(v, c.family == Family::tcp ? 1 : 0);
    ::getsockopt(b->fd.get(), SOL_SOCKET, SO_RCVBUF, &v, &len);
    EXPECT_GE(v, 65536);  // the kernel doubles the requested value
    if (c.ipv6) {
        ::getsockopt(b->fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
        EXPECT_EQ(v, 1);
    }

    const int type = c.family == Family::tcp ? SOCK_STREAM : SOCK_DGRAM;
    Fd client(::socket(c.ipv6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0));
    sockaddr_storage ss{};
    socklen_t slen = 0;
    if (c.ipv6) {
        auto& s6 = reinterpret_cast<sockaddr_in6&>(ss);
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons(port);
        ::inet_pton(AF_INET6, c.host, &s6.sin6_addr);
        slen = sizeof s6;
    } else {
        auto& s4 = reinterpret_cast<sockaddr_in&>(ss);
        s4.sin_family = AF_INET;
        s4.sin_port = htons(port);
        ::inet_pton(AF_INET, c.host, &s4.sin_addr);
        slen = sizeof s4;
    }
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&ss), slen), 0);
    ASSERT_EQ(::send(client.get(), "hey", 3, 0), 3);
    char buf[8];
    if (type == SOCK_DGRAM) {
        EXPECT_EQ(::recv(b->fd.get(), buf, sizeof buf, 0), 3);
    } else {
        Fd conn(::accept4(b->fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
        EXPECT_EQ(::recv(conn.get(), buf, sizeof buf, 0), 3);
    }
    spec.address.port = port;
    EXPECT_TRUE(matches(b->fd.get(), spec));
    spec.address.port = static_cast<uint16_t>(port + 1);
    EXPECT_FALSE(matches(b->fd.get(), spec));
}

INSTANTIATE_TEST_SUITE_P(Families, Inet,
                         ::testing::Values(InetCase{Family::tcp, false, "127.0.0.1"},
                                           InetCase{Family::tcp, true, "::1"},
                                           InetCase{Family::udp, false, "127.0.0.1"},
                                           InetCase{Family::udp, true, "::1"}),
                         [](const auto& p) {
                             return std::string(p.param.family == Family::tcp ? "tcp" : "udp") +
                                    (p.param.ipv6 ? "6" : "4");
                         });

TEST(InetOptions, Ipv6OnlyFalseIsSetExplicitly) {
    auto spec = inet_spec(Family::tcp, "::", true);
    spec.ipv6_only = false;
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok()) << b.error().message();
    int v = 1;
    socklen_t len = sizeof v;
    ::getsockopt(b->fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v, &len);
    EXPECT_EQ(v, 0);
}

TEST(UnixOptions, PassCredentialsAndBacklog) {
    TempDir dir;
    auto spec = path_spec(dir / "c.sock");
    spec.pass_credentials = true;
    spec.send_buffer = 32768;
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok()) << b.error().message();
    int v = 0;
    socklen_t len = sizeof v;
    ::getsockopt(b->fd.get(), SOL_SOCKET, SO_PASSCRED, &v, &len);
    EXPECT_EQ(v, 1);
    ::getsockopt(b->fd.get(), SOL_SOCKET, SO_SNDBUF, &v, &len);
    EXPECT_GE(v, 32768);
    ::getsockopt(b->fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &v, &len);
    EXPECT_EQ(v, 1);
}

TEST(Describe, SummarisesForLogs) {
    auto spec = path_spec("/run/x.sock");
    spec.owner = unit::Principal{"root", 0};
    spec.group = unit::Principal{"www-data", 33};
    EXPECT_EQ(describe(spec), "/run/x.sock stream 0660 root:www-data");
    EXPECT_EQ(describe(inet_spec(Family::tcp, "127.0.0.1", false, 80)),
              "tcp://127.0.0.1:80 stream");
    EXPECT_EQ(describe(inet_spec(Family::udp, "::1", true, 53)), "udp://[::1]:53 dgram");
    EXPECT_EQ(describe(abstract_spec("name", unit::SocketType::seqpacket)), "@name seqpacket");
}

TEST(Matches, RejectsWrongTypeAndNonListening) {
    TempDir dir;
    const std::string path = dir / "m.sock";
    auto b = bind_listener(path_spec(path));
    ASSERT_TRUE(b.ok());
    EXPECT_FALSE(matches(b->fd.get(), path_spec(path, unit::SocketType::seqpacket)));
    EXPECT_FALSE(matches(b->fd.get(), path_spec(path + "x")));
    Fd unbound(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_FALSE(matches(unbound.get(), path_spec(path)));
}

}  // namespace
}  // namespace sv::net
