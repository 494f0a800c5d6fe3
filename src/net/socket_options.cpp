// Socket creation and per-socket options. Owns nothing but the fd it returns.
#include "net/socket_options.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "base/syscalls.hpp"

namespace sv::net {
namespace {

Status set_int(int fd, int level, int option, int value, const char* name,
               const std::string& object) {
    if (::setsockopt(fd, level, option, &value, sizeof value) < 0)
        return sys_error(std::string("setsockopt ") + name, object, errno);
    return ok_status();
}

}  // namespace

int socket_type_flag(unit::SocketType type) {
    switch (type) {
        case unit::SocketType::stream:
            return SOCK_STREAM;
        case unit::SocketType::dgram:
            return SOCK_DGRAM;
        case unit::SocketType::seqpacket:
            return SOCK_SEQPACKET;
    }
    return SOCK_STREAM;
}

unit::SocketType effective_type(const unit::ListenSpec& spec) {
    switch (spec.address.family) {
        case Family::tcp:
            return unit::SocketType::stream;
        case Family::udp:
            return unit::SocketType::dgram;
        case Family::unix_path:
        case Family::unix_abstract:
            return spec.type;
    }
    return spec.type;
}

Result<Fd> make_socket(int domain, int type, const std::string& object) {
    // No SOCK_NONBLOCK: services expect blocking listeners, as systemd hands them; the
    // daemon's event loop sets O_NONBLOCK on its own accept path if it needs it.
    int fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return sys_error("create socket for", object, errno);
    return Fd(fd);
}

Status apply_socket_options(int fd, const unit::ListenSpec& spec, const std::string& object) {
    const net::Address& a = spec.address;
    const bool inet = a.family == Family::tcp || a.family == Family::udp;
    if (a.family == Family::tcp) {
        // As systemd does: a restarted supervisor must rebind while old connections
        // sit in TIME_WAIT.
        if (auto s = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", object); !s) return s;
    }
    if (inet && spec.reuse_port) {
        if (auto s = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT", object); !s) return s;
    }
    if (inet && a.ipv6) {
        // Set explicitly: the default comes from net.ipv6.bindv6only, which differs
        // between hosts; the unit's value must win.
        if (auto s = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, spec.ipv6_only ? 1 : 0, "IPV6_V6ONLY",
                             object);
            !s)
            return s;
    }
    if (a.is_unix() && spec.pass_credentials) {
        if (auto s = set_int(fd, SOL_SOCKET, SO_PASSCRED, 1, "SO_PASSCRED", object); !s) return s;
    }
    if (spec.receive_buffer) {
        if (auto s = set_int(fd, SOL_SOCKET, SO_RCVBUF, *spec.receive_buffer, "SO_RCVBUF", object);
            !s)
            return s;
    }
    if (spec.send_buffer) {
        if (auto s = set_int(fd, SOL_SOCKET, SO_SNDBUF, *spec.send_buffer, "SO_SNDBUF", object); !s)
            return s;
    }
    return ok_status();
}

Status start_listening(int fd, const unit::ListenSpec& spec, const std::string& object) {
    if (effective_type(spec) == unit::SocketType::dgram) return ok_status();
    if (os().listen(fd, spec.backlog) < 0) return sys_error("listen on", object, errno);
    return ok_status();
}

}  // namespace sv::net
