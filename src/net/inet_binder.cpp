// Binding TCP and UDP listeners, IPv4 and IPv6. Owns the sockaddr construction and the
// bind/listen sequence for inet; never touches Unix addresses or the filesystem.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "base/syscalls.hpp"
#include "net/binders.hpp"
#include "net/socket_options.hpp"

namespace sv::net {

Result<BoundListener> bind_inet(const unit::ListenSpec& spec) {
    const Address& a = spec.address;
    const std::string object = to_string(a);
    const int type = a.family == Family::tcp ? SOCK_STREAM : SOCK_DGRAM;
    auto sock = make_socket(a.ipv6 ? AF_INET6 : AF_INET, type, object);
    if (!sock) return sock.error();
    if (auto s = apply_socket_options(sock->get(), spec, object); !s) return s.error();

    sockaddr_storage ss{};
    socklen_t len = 0;
    if (a.ipv6) {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(a.port);
        if (::inet_pton(AF_INET6, a.host.c_str(), &sin6->sin6_addr) != 1)
            return plain_error("bind", object, "not a numeric IPv6 address");
        len = sizeof *sin6;
    } else {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(a.port);
        if (::inet_pton(AF_INET, a.host.c_str(), &sin->sin_addr) != 1)
            return plain_error("bind", object, "not a numeric IPv4 address");
        len = sizeof *sin;
    }
    if (os().bind(sock->get(), reinterpret_cast<sockaddr*>(&ss), len) < 0)
        return sys_error("bind", object, errno);
    if (auto s = start_listening(sock->get(), spec, object); !s) return s.error();
    BoundListener b;
    b.fd = std::move(sock.value());
    b.spec = spec;
    return b;
}

}  // namespace sv::net
