// One NETLINK_SOCK_DIAG request for one socket. Owns the netlink message layout; never
// caches, never queries other sockets.
#include "net/bound_inode.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>

#include "base/fd.hpp"

namespace sv::net {

bool InodeId::refers_to(const struct stat& st) const {
    return st.st_dev == dev && static_cast<__u32>(st.st_ino) == static_cast<__u32>(ino);
}

std::optional<InodeId> bound_path_inode(int socket_fd) {
    struct stat st {};
    if (::fstat(socket_fd, &st) < 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;

    Fd nl(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!nl) return std::nullopt;

    struct {
        nlmsghdr nlh;
        unix_diag_req req;
    } msg{};
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST;
    msg.req.sdiag_family = AF_UNIX;
    msg.req.udiag_states = ~0U;
    msg.req.udiag_ino = static_cast<__u32>(st.st_ino);  // the sockfs inode names the socket
    msg.req.udiag_show = UDIAG_SHOW_VFS;
    // An exact lookup checks the cookie unless both words are INET_DIAG_NOCOOKIE (~0).
    msg.req.udiag_cookie[0] = ~0U;
    msg.req.udiag_cookie[1] = ~0U;
    if (::send(nl.get(), &msg, sizeof msg, 0) < 0) return std::nullopt;

    alignas(nlmsghdr) char buf[8192];
    ssize_t n = ::recv(nl.get(), buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (!NLMSG_OK(h, static_cast<unsigned>(n)) || h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
        return std::nullopt;
    auto* dm = static_cast<unix_diag_msg*>(NLMSG_DATA(h));
    if (dm->udiag_ino != static_cast<__u32>(st.st_ino)) return std::nullopt;
    int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof *dm));
    for (auto* rta = reinterpret_cast<rtattr*>(dm + 1); RTA_OK(rta, len);
         rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type != UNIX_DIAG_VFS) continue;
        unix_diag_vfs vfs;
        std::memcpy(&vfs, RTA_DATA(rta), sizeof vfs);
        // udiag_vfs_dev is the kernel-internal dev_t (major << 20 | minor), not the
        // userspace encoding stat() returns; convert.
        InodeId id;
        id.dev = makedev(vfs.udiag_vfs_dev >> 20, vfs.udiag_vfs_dev & 0xfffff);
        id.ino = vfs.udiag_vfs_ino;
        return id;
    }
    return std::nullopt;
}

}  // namespace sv::net
