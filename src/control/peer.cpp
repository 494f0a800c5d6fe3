#include "control/peer.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>

#include "base/fd.hpp"

namespace sv::control {

Result<PeerCred> read_peer_cred(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return sys_error("read SO_PEERCRED of", "control client", errno);
    return PeerCred{cred.pid, cred.uid, cred.gid};
}

Result<std::vector<gid_t>> read_peer_groups(int fd) {
    std::vector<gid_t> groups(64);
    for (;;) {
        auto len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
            groups.resize(len / sizeof(gid_t));
            return groups;
        }
        // ERANGE: the kernel wrote the size it needs into len (net/core/sock.c).
        if (errno != ERANGE || len <= groups.size() * sizeof(gid_t))
            return sys_error("read SO_PEERGROUPS of", "control client", errno);
        groups.resize(len / sizeof(gid_t));
    }
}

std::optional<std::vector<gid_t>> parse_status_groups(std::string_view text) {
    constexpr std::string_view kKey = "Groups:";
    std::size_t at = 0;
    while (text.compare(at, kKey.size(), kKey) != 0) {
        at = text.find('\n', at);
        if (at == text.npos) return std::nullopt;
        ++at;
    }
    std::string_view line = text.substr(at + kKey.size());
    line = line.substr(0, line.find('\n'));

    std::vector<gid_t> groups;
    const char* p = line.data();
    const char* end = line.data() + line.size();
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t')) ++p;
        if (p == end) return groups;
        gid_t gid = 0;
        auto [next, ec] = std::from_chars(p, end, gid);
        if (ec != std::errc{} || (next < end && *next != ' ' && *next != '\t')) return std::nullopt;
        groups.push_back(gid);
        p = next;
    }
}

Result<std::vector<gid_t>> read_proc_groups(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/status";
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error("open", path, errno);
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("read", path, errno);
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    auto groups = parse_status_groups(text);
    if (!groups) return plain_error("read groups from", path, "no valid Groups: line");
    return *groups;
}

}  // namespace sv::control
