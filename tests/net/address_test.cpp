// Address parsing and printing: every form a unit file may write, the joining
// of relative paths to the runtime dir, normalisation, and the error texts.
#include "net/address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "base/limits.hpp"

namespace sv::net {
namespace {

constexpr std::string_view kRuntime = "/run/sockvisor";

Address ok(std::string_view text, std::string_view runtime = kRuntime) {
    auto r = parse_address(text, runtime);
    if (const auto* e = std::get_if<AddressError>(&r)) {
        ADD_FAILURE() << text << ": " << e->message;
        return {};
    }
    return std::get<Address>(r);
}

std::string error(std::string_view text) {
    auto r = parse_address(text, kRuntime);
    if (const auto* e = std::get_if<AddressError>(&r)) return e->message;
    ADD_FAILURE() << text << " parsed as " << to_string(std::get<Address>(r));
    return {};
}

TEST(ParseAddress, AbsolutePath) {
    Address a = ok("/run/app/app.sock");
    EXPECT_EQ(a.family, Family::unix_path);
    EXPECT_EQ(a.path, "/run/app/app.sock");
    EXPECT_TRUE(a.is_unix());
    EXPECT_EQ(to_string(a), "/run/app/app.sock");
    EXPECT_FALSE(is_relative_path("/run/app/app.sock"));
}

TEST(ParseAddress, RelativePathJoinsTheRuntimeDir) {
    EXPECT_EQ(ok("app.sock").path, "/run/sockvisor/app.sock");
    EXPECT_EQ(ok("sub/dir/app.sock").path, "/run/sockvisor/sub/dir/app.sock");
    EXPECT_EQ(ok("app.sock", "/tmp/sockvisor-1000/").path, "/tmp/sockvisor-1000/app.sock");
    EXPECT_TRUE(is_relative_path("app.sock"));
    EXPECT_TRUE(is_relative_path("./app.sock"));
    EXPECT_FALSE(is_relative_path("@app"));
    EXPECT_FALSE(is_relative_path("tcp://127.0.0.1:1"));
    EXPECT_FALSE(is_relative_path(""));
}

TEST(ParseAddress, NormalisesSlashesAndDots) {
    EXPECT_EQ(ok("//run///app/./app.sock").path, "/run/app/app.sock");
    EXPECT_EQ(ok("./app.sock").path, "/run/sockvisor/app.sock");
    EXPECT_EQ(ok(".hidden.sock").path, "/run/sockvisor/.hidden.sock");
    EXPECT_EQ(ok("/run/a..b.sock").path, "/run/a..b.sock") << "'..' only as a whole component";
}

TEST(ParseAddress, Abstract) {
    Address a = ok("@app/control");
    EXPECT_EQ(a.family, Family::unix_abstract);
    EXPECT_EQ(a.path, "app/control");
    EXPECT_TRUE(a.is_unix());
    EXPECT_EQ(to_string(a), "@app/control");
    EXPECT_EQ(ok("@" + std::string(limits::kMaxUnixPathLength, 'a')).path.size(),
              limits::kMaxUnixPathLength);
}

TEST(ParseAddress, TcpAndUdp) {
    Address t = ok("tcp://127.0.0.1:8080");
    EXPECT_EQ(t.family, Family::tcp);
    EXPECT_EQ(t.host, "127.0.0.1");
    EXPECT_EQ(t.port, 8080);
    EXPECT_FALSE(t.ipv6);
    EXPECT_FALSE(t.is_unix());
    EXPECT_EQ(to_string(t), "tcp://127.0.0.1:8080");

    Address u = ok("udp://[::1]:53");
    EXPECT_EQ(u.family, Family::udp);
    EXPECT_EQ(u.host, "::1");
    EXPECT_TRUE(u.ipv6);
    EXPECT_EQ(u.port, 53);
    EXPECT_EQ(to_string(u), "udp://[::1]:53");

    EXPECT_EQ(to_string(ok("tcp://0.0.0.0:0")), "tcp://0.0.0.0:0");
    EXPECT_EQ(ok("tcp://[::]:65535").port, 65535);
    EXPECT_EQ(to_string(ok("tcp://[fe80::1]:443")), "tcp://[fe80::1]:443");
}

TEST(ParseAddress, RoundTrips) {
    for (const char* text : {"/run/a.sock", "@a", "tcp://10.0.0.1:1", "udp://[2001:db8::1]:5353"})
        EXPECT_EQ(to_string(ok(text)), text);
}

TEST(ParseAddress, ErrorsVerbatim) {
    EXPECT_EQ(error(""), "address '' is empty");
    EXPECT_EQ(error(std::string("/run/a\0b", 8)),
              std::string("address '/run/a\0b' contains a NUL byte", 38));
    EXPECT_EQ(error("http://127.0.0.1:80"),
              "address 'http://127.0.0.1:80' has an unknown scheme (expected tcp:// or udp://)");
    EXPECT_EQ(error("tcp://127.0.0.1"), "address 'tcp://127.0.0.1' needs a port: tcp://HOST:PORT");
    EXPECT_EQ(error("tcp://[::1]"), "address 'tcp://[::1]' needs a port: tcp://[::1]:PORT");
    EXPECT_EQ(error("tcp://[::1:80"), "address 'tcp://[::1:80' has '[' without ']'");
    EXPECT_EQ(error("tcp://::1:80"),
              "address 'tcp://::1:80' has an IPv6 host without brackets: write [::1]:PORT");
    EXPECT_EQ(error("tcp://:80"),
              "address 'tcp://:80' has an empty host (use 0.0.0.0 or [::] for all)");
    EXPECT_EQ(error("tcp://localhost:80"),
              "address 'tcp://localhost:80' has a host that is not a numeric IPv4 address: "
              "'localhost'");
    EXPECT_EQ(error("udp://[127.0.0.1]:80"),
              "address 'udp://[127.0.0.1]:80' has a host that is not a numeric IPv6 address: "
              "'127.0.0.1'");
    EXPECT_EQ(error("tcp://127.0.0.1:65536"),
              "address 'tcp://127.0.0.1:65536' has an invalid port '65536' (0-65535)");
    EXPECT_EQ(error("tcp://127.0.0.1:http"),
              "address 'tcp://127.0.0.1:http' has an invalid port 'http' (0-65535)");
    EXPECT_EQ(error("tcp://127.0.0.1:-1"),
              "address 'tcp://127.0.0.1:-1' has an invalid port '-1' (0-65535)");
    EXPECT_EQ(error("tcp://127.0.0.1:"),
              "address 'tcp://127.0.0.1:' has an invalid port '' (0-65535)");
    EXPECT_EQ(error("@"), "address '@' has an empty abstract name");
    EXPECT_EQ(error("/run/../etc/a.sock"),
              "address '/run/../etc/a.sock' has '..' in its path: not allowed");
    EXPECT_EQ(error("../a.sock"), "address '../a.sock' has '..' in its path: not allowed");
    EXPECT_EQ(error("/"), "address '/' names a directory, not a socket path");
    EXPECT_EQ(error("/run/dir/"), "address '/run/dir/' ends with '/': it names a directory");
}

TEST(ParseAddress, LengthLimits) {
    // 107 bytes fit in sun_path with its NUL; 108 do not.
    const std::string fits = "/" + std::string(limits::kMaxUnixPathLength - 1, 'p');
    EXPECT_EQ(ok(fits).path, fits);
    const std::string too_long = fits + "p";
    EXPECT_EQ(error(too_long), "address '" + too_long + "' is too long: '" + too_long +
                                   "' is 108 bytes, a Unix socket path holds at most 107");
    // A relative path is measured after joining: 14 + 1 + 93 = 108.
    const std::string rel(93, 'r');
    EXPECT_EQ(error(rel), "address '" + rel + "' is too long: '/run/sockvisor/" + rel +
                              "' is 108 bytes, a Unix socket path holds at most 107");
    const std::string abstract = "@" + std::string(limits::kMaxUnixPathLength + 1, 'a');
    EXPECT_EQ(error(abstract),
              "address '" + abstract + "' is too long: an abstract name holds at most 107 bytes");
}

}  // namespace
}  // namespace sv::net
