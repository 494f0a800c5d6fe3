#include "daemon/parent_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace sv::daemon {

ParentNotifier ParentNotifier::from_environment() {
    ParentNotifier n;
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path || (path[0] != '/' && path[0] != '@') ||
        std::strlen(path) >= sizeof(sockaddr_un::sun_path)) {
        unsetenv("NOTIFY_SOCKET");
        return n;
    }
    n.path_ = path;
    unsetenv("NOTIFY_SOCKET");
    n.fd_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    return n;
}

Status ParentNotifier::send(const std::string& message) {
    if (!fd_) return ok_status();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract, as sd_notify does
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    // SCM_CREDENTIALS are attached by the kernel for a datagram socket whose
    // receiver set SO_PASSCRED, so the parent still sees our pid.
    if (sendto(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
               reinterpret_cast<sockaddr*>(&addr), len) < 0)
        return sys_error("notify parent on", path_, errno);
    return ok_status();
}

}  // namespace sv::daemon
