// Binding an abstract-namespace Unix socket ("@name"). Owns the EADDRINUSE message that
// names the holder; never touches the filesystem (abstract names have no inode, owner
// or mode — anyone in the network namespace may connect).
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "base/syscalls.hpp"
#include "net/binders.hpp"
#include "net/socket_options.hpp"
#include "net/squatter.hpp"

namespace sv::net {

Result<BoundListener> bind_abstract(const unit::ListenSpec& spec) {
    const std::string object = "@" + spec.address.path;
    auto sock = make_socket(AF_UNIX, socket_type_flag(spec.type), object);
    if (!sock) return sock.error();
    if (auto s = apply_socket_options(sock->get(), spec, object); !s) return s.error();

    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    // sun_path[0] = NUL marks the abstract namespace; the length, not a terminator,
    // delimits the name, so pass exactly offsetof + 1 + size.
    const std::string& name = spec.address.path;
    if (name.size() + 1 > sizeof sa.sun_path) return sys_error("bind", object, ENAMETOOLONG);
    std::memcpy(sa.sun_path + 1, name.data(), name.size());
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());

    if (os().bind(sock->get(), reinterpret_cast<sockaddr*>(&sa), len) < 0) {
        int err = errno;
        SysError e = sys_error("bind", object, err);
        if (err == EADDRINUSE) {
            // /proc/net/unix prints the leading NUL (and any embedded one) as '@'.
            std::string kernel_name = "@" + name;
            for (char& c : kernel_name)
                if (c == '\0') c = '@';
            std::string who = describe_holders(kernel_name);
            e.detail = who.empty() ? "abstract address '" + object +
                                         "' is already bound by a process this supervisor "
                                         "cannot see (another network namespace, or its "
                                         "/proc/PID/fd is not readable)"
                                   : "abstract address '" + object + "' is already bound by " + who;
        }
        return e;
    }
    if (auto s = start_listening(sock->get(), spec, object); !s) return s.error();
    BoundListener b;
    b.fd = std::move(sock.value());
    b.spec = spec;
    return b;
}

}  // namespace sv::net
