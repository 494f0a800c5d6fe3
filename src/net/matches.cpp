// matches(): is an inherited socket the one a [[listen]] declares? Compares domain,
// type, bound address and listening state, as sd_is_socket_unix()/sd_is_socket_inet()
// do. Read-only on the fd.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "net/listener.hpp"
#include "net/socket_options.hpp"

namespace sv::net {
namespace {

bool get_int(int fd, int option, int& value) {
    socklen_t len = sizeof value;
    return ::getsockopt(fd, SOL_SOCKET, option, &value, &len) == 0;
}

bool unix_name_matches(const sockaddr_un& sa, socklen_t len, const Address& a) {
    const size_t off = offsetof(sockaddr_un, sun_path);
    if (len <= off) return false;
    const size_t n = len - off;
    if (a.family == Family::unix_abstract)
        return sa.sun_path[0] == '\0' && n == a.path.size() + 1 &&
               std::memcmp(sa.sun_path + 1, a.path.data(), a.path.size()) == 0;
    if (sa.sun_path[0] == '\0') return false;
    return std::string(sa.sun_path, strnlen(sa.sun_path, n)) == a.path;
}

bool inet_matches(const sockaddr_storage& ss, const Address& a) {
    if (a.ipv6) {
        if (ss.ss_family != AF_INET6) return false;
        const auto& s6 = reinterpret_cast<const sockaddr_in6&>(ss);
        in6_addr want{};
        return ::inet_pton(AF_INET6, a.host.c_str(), &want) == 1 &&
               std::memcmp(&want, &s6.sin6_addr, sizeof want) == 0 && ntohs(s6.sin6_port) == a.port;
    }
    if (ss.ss_family != AF_INET) return false;
    const auto& s4 = reinterpret_cast<const sockaddr_in&>(ss);
    in_addr want{};
    return ::inet_pton(AF_INET, a.host.c_str(), &want) == 1 && want.s_addr == s4.sin_addr.s_addr &&
           ntohs(s4.sin_port) == a.port;
}

}  // namespace

bool matches(int fd, const unit::ListenSpec& spec) {
    const Address& a = spec.address;
    const unit::SocketType type = effective_type(spec);
    int domain = 0, sock_type = 0;
    if (!get_int(fd, SO_DOMAIN, domain) || !get_int(fd, SO_TYPE, sock_type)) return false;
    if (sock_type != socket_type_flag(type)) return false;
    if (type != unit::SocketType::dgram) {
        int listening = 0;
        if (!get_int(fd, SO_ACCEPTCONN, listening) || !listening) return false;
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return false;
    switch (a.family) {
        case Family::unix_path:
        case Family::unix_abstract:
            return domain == AF_UNIX &&
                   unix_name_matches(reinterpret_cast<const sockaddr_un&>(ss), len, a);
        case Family::tcp:
        case Family::udp:
            return (domain == AF_INET || domain == AF_INET6) && inet_matches(ss, a);
    }
    return false;
}

}  // namespace sv::net
