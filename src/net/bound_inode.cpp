// Which inode a pathname Unix socket is bound to: ioctl(SIOCUNIXFILE), else one
// NETLINK_SOCK_DIAG request. Owns the netlink message layout; never caches, never
// queries other sockets, never opens the path by name.
#include "net/bound_inode.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/unix_diag.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fd.hpp"

// include/uapi/linux/un.h, which cannot be included next to glibc's <sys/un.h> (both
// define struct sockaddr_un). Added in Linux 4.13 for CRIU.
#ifndef SIOCUNIXFILE
#define SIOCUNIXFILE (SIOCPROTOPRIVATE + 0)
#endif

namespace sv::net {

bool InodeId::refers_to(const struct stat& st) const {
    if (st.st_dev != dev) return false;
    if (ino_low32_only) return static_cast<__u32>(st.st_ino) == static_cast<__u32>(ino);
    return st.st_ino == ino;
}

std::optional<InodeId> bound_path_inode_by_ioctl(int socket_fd) {
    // unix_open_file(): dentry_open(&unix_sk(sk)->path, O_PATH) — the very dentry bind()
    // created, pinned by the socket, whatever has since been renamed or unlinked. The
    // kernel returns an O_CLOEXEC fd. ENOENT: no path (unbound or abstract); EPERM: no
    // CAP_NET_ADMIN over the socket's netns; ENOTTY/EINVAL: older kernel or not AF_UNIX.
    Fd file(::ioctl(socket_fd, SIOCUNIXFILE, 0));
    if (!file) return std::nullopt;
    struct stat st {};
    if (::fstat(file.get(), &st) < 0 || !S_ISSOCK(st.st_mode)) {
        errno = EIO;
        return std::nullopt;
    }
    // st_dev here comes from the same getattr the caller's stat of the path uses, so it
    // also matches on filesystems whose st_dev is not the superblock's (btrfs
    // subvolumes), where sock_diag's s_dev would not.
    InodeId id;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    return id;
}

std::optional<InodeId> bound_path_inode_by_sock_diag(int socket_fd) {
    struct stat st {};
    if (::fstat(socket_fd, &st) < 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;

    Fd nl(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!nl) return std::nullopt;

    // An exact request (NLM_F_REQUEST without NLM_F_DUMP) answers for one socket, but
    // unix_diag_get_exact() finds it with unix_lookup_by_ino(), a walk over every
    // bucket of the netns's Unix socket table: O(sockets) per call. Hence the ioctl
    // first.
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
        id.ino_low32_only = true;
        return id;
    }
    return std::nullopt;
}

std::optional<InodeId> bound_path_inode(int socket_fd) {
    if (auto id = bound_path_inode_by_ioctl(socket_fd)) return id;
    // The kernel said the socket has no path; sock_diag would only say it again.
    if (errno == ENOENT) return std::nullopt;
    return bound_path_inode_by_sock_diag(socket_fd);
}

}  // namespace sv::net
