// The notify socket's syscalls: socket/bind/chmod at a path in the runtime dir, and
// recvmsg with SCM_CREDENTIALS + SCM_RIGHTS. Every fd that arrives is wrapped in an
// Fd before any check, so no early return can leak one.
#include "activation/notify_socket.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/limits.hpp"
#include "base/syscalls.hpp"

namespace sv::activation {
namespace {

// Room for one ucred and the most fds one message can carry. MSG_CTRUNC then means
// sockvisord ran out of fds (RLIMIT_NOFILE): the kernel installed what fit, closed
// the rest, and we drop the message.
constexpr std::size_t kControlBytes =
    CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * limits::kMaxNotifyFdsPerMessage);

}  // namespace

Result<NotifySocket> NotifySocket::bind(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.front() != '/' || path.size() > limits::kMaxUnixPathLength)
        return plain_error("bind notify socket", path,
                           "not an absolute path of at most " +
                               std::to_string(limits::kMaxUnixPathLength) + " bytes");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

    Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return sys_error("create notify socket", path, errno);

    // Before bind: once the path exists a service may send, and a datagram queued
    // while SO_PASSCRED was off would carry no credentials and be dropped.
    const int on = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
        return sys_error("set SO_PASSCRED on", path, errno);

    // A previous sockvisord (killed, or crashed) leaves its socket file behind; bind
    // fails with EADDRINUSE on any existing file. The runtime dir is ours and not
    // writable by others, so lstat-then-unlink cannot be raced into removing
    // something else; anything but a socket is left alone and reported.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return plain_error("bind notify socket", path, "exists and is not a socket");
        if (::unlink(path.c_str()) < 0 && errno != ENOENT)
            return sys_error("remove stale notify socket", path, errno);
    } else if (errno != ENOENT) {
        return sys_error("stat", path, errno);
    }

    if (os().bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
        return sys_error("bind", path, errno);
    // fchmod() on a socket fd changes the socket's own inode, not the file bind()
    // created, so the path is the only handle. Widening after bind opens no window:
    // until this call the file is stricter (umask), never looser, than intended.
    if (::fchmodat(AT_FDCWD, path.c_str(), kNotifySocketMode, 0) < 0) {
        const int err = errno;
        ::unlink(path.c_str());
        return sys_error("chmod", path, err);
    }
    if (::lstat(path.c_str(), &st) < 0) {
        const int err = errno;
        ::unlink(path.c_str());
        return sys_error("stat", path, err);
    }
    return NotifySocket(std::move(fd), path, st.st_dev, st.st_ino);
}

Result<NotifyReceipt> NotifySocket::receive() {
    NotifyReceipt receipt;
    // One byte more than the limit, and MSG_TRUNC (which on AF_UNIX datagram sockets
    // since Linux 3.4 makes recvmsg return the real length): either way an oversized
    // datagram is seen as such, never silently cut to a valid-looking prefix.
    char data[limits::kMaxNotifyMessageBytes + 1];
    alignas(cmsghdr) char control[kControlBytes];
    iovec iov{data, sizeof data};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;

    ssize_t n;
    do {
        // MSG_CMSG_CLOEXEC: received fds are close-on-exec from birth; a spawn
        // racing this call can never inherit them.
        n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return receipt;  // drained
        return sys_error("receive on", path_, errno);
    }

    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_RIGHTS) {
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int raw;
                std::memcpy(&raw, CMSG_DATA(c) + i * sizeof(int), sizeof raw);
                receipt.fds.emplace_back(raw);
            }
        } else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
            ucred cred;
            std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
            // pid 0: the sender lives in a pid namespace we cannot see into.
            if (cred.pid > 0) receipt.sender = NotifySender{cred.pid, cred.uid, cred.gid};
        }
    }

    const auto drop = [&](std::string reason) {
        receipt.outcome = ReceiveOutcome::dropped;
        receipt.drop_reason = std::move(reason);
        receipt.fds.clear();  // closes them now, not whenever the caller lets go
        return std::move(receipt);
    };
    if (msg.msg_flags & MSG_CTRUNC)
        return drop("control data truncated (sockvisord is out of fds)");
    if ((msg.msg_flags & MSG_TRUNC) || static_cast<std::size_t>(n) > limits::kMaxNotifyMessageBytes)
        return drop(std::to_string(n) + " bytes, larger than " +
                    std::to_string(limits::kMaxNotifyMessageBytes));
    if (!receipt.sender) return drop("no sender credentials");

    receipt.outcome = ReceiveOutcome::message;
    receipt.text.assign(data, static_cast<std::size_t>(n));
    return receipt;
}

Status NotifySocket::unlink_path() const {
    struct stat st {};
    if (::lstat(path_.c_str(), &st) < 0) {
        if (errno == ENOENT) return ok_status();
        return sys_error("stat", path_, errno);
    }
    if (st.st_dev != dev_ || st.st_ino != ino_) return ok_status();  // not ours anymore
    if (::unlink(path_.c_str()) < 0 && errno != ENOENT) return sys_error("unlink", path_, errno);
    return ok_status();
}

}  // namespace sv::activation
