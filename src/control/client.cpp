#include "control/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "base/fd.hpp"
#include "base/limits.hpp"

namespace sv::control {
namespace {

using Clock = std::chrono::steady_clock;

Result<Fd> connect_to(const std::string& path, std::chrono::milliseconds timeout) {
    if (path.empty() || path.size() > sv::limits::kMaxUnixPathLength)
        return plain_error("connect to", path,
                           "a socket path must be 1-" +
                               std::to_string(sv::limits::kMaxUnixPathLength) + " bytes long");
    Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return sys_error("create a socket for", path, errno);
    // connect(2) on a Unix stream socket sleeps while the listener's backlog is
    // full, for at most SO_SNDTIMEO (net/unix/af_unix.c, unix_wait_for_peer); the
    // same timeout bounds send().
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = timeout.count() % 1000 * 1000;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
        return sys_error("set a send timeout for", path, errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        return sys_error("connect to", path, errno);
    return fd;
}

std::string seconds_text(std::chrono::milliseconds t) {
    if (t.count() % 1000 == 0) return std::to_string(t.count() / 1000) + " s";
    return std::to_string(t.count()) + " ms";
}

Status send_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        // MSG_NOSIGNAL: a daemon that hangs up early is an error message, not SIGPIPE.
        ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("send a request to", path, errno);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return ok_status();
}

}  // namespace

Result<std::string> request_reply(const std::string& path, std::string_view request_line,
                                  std::chrono::milliseconds timeout, std::size_t max_reply_bytes) {
    const auto deadline = Clock::now() + timeout;
    auto fd = connect_to(path, timeout);
    if (!fd) return fd.error();
    if (auto sent = send_all(fd->get(), request_line, path); !sent) return sent.error();

    // Read straight into the reply, 64 KiB at a time: a 1,000-unit status reply
    // (~300 KB) takes a handful of reads and no second copy (it took 37 reads
    // of 8 KiB, each after a poll).
    constexpr std::size_t kReadChunk = 64 * 1024;
    std::string reply;
    std::size_t searched = 0;  // bytes already known to hold no newline
    for (;;) {
        if (auto nl = reply.find('\n', searched); nl != reply.npos) {
            reply.resize(nl);
            return reply;
        }
        searched = reply.size();
        if (reply.size() > max_reply_bytes)
            return plain_error(
                "read a reply from", path,
                "the reply is longer than " + std::to_string(max_reply_bytes) + " bytes");
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd p{fd->get(), POLLIN, 0};
        int ready = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return sys_error("wait for a reply from", path, errno);
        if (ready == 0)
            return plain_error("read a reply from", path,
                               "no reply within " + seconds_text(timeout));
        const std::size_t have = reply.size();
        reply.resize(have + kReadChunk);
        ssize_t n = recv(fd->get(), reply.data() + have, kReadChunk, 0);
        int recv_errno = errno;
        reply.resize(have + static_cast<std::size_t>(n > 0 ? n : 0));
        if (n < 0 && (recv_errno == EINTR || recv_errno == EAGAIN)) continue;
        if (n < 0) return sys_error("read a reply from", path, recv_errno);
        if (n == 0)
            return plain_error("read a reply from", path,
                               reply.empty() ? "the daemon closed the connection without replying"
                                             : "the reply ended without a newline");
    }
}

}  // namespace sv::control
