// The filesystem inode a pathname Unix socket is bound to, as the kernel itself records
// it (unix_sk(sk)->path). fstat() on a socket fd reports the sockfs inode, not the
// path's, so asking the kernel is the only way to tie a socket fd to the entry in its
// directory. Read-only; never touches the filesystem, never caches.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>

namespace sv::net {

struct InodeId {
    dev_t dev = 0;
    ino_t ino = 0;
    // sock_diag's unix_diag_vfs.udiag_vfs_ino is a __u32: from that source only the low
    // 32 bits of `ino` are known. SIOCUNIXFILE gives the whole st_ino.
    bool ino_low32_only = false;

    // Is `st` (from stat of the path) this inode? Compares st_dev and st_ino (its low 32
    // bits when that is all we know; with st_dev and S_ISSOCK that still suffices).
    bool refers_to(const struct stat& st) const;
};

// nullopt when the socket has no path inode (abstract, unbound), or when neither way
// below can answer (no CAP_NET_ADMIN and CONFIG_UNIX_DIAG off, or out of fds).
// Tries ioctl(SIOCUNIXFILE) first, then sock_diag.
std::optional<InodeId> bound_path_inode(int socket_fd);

// The two ways, exposed for the tests (docs/binding.md, "Verifying the bound inode"):
//
// ioctl(SIOCUNIXFILE) (Linux 4.13+) opens unix_sk(sk)->path O_PATH; fstat of that fd.
// O(1). Needs CAP_NET_ADMIN in the user namespace owning the socket's network
// namespace (sockvisord as root has it); otherwise EPERM → nullopt.
std::optional<InodeId> bound_path_inode_by_ioctl(int socket_fd);

// NETLINK_SOCK_DIAG exact request (UDIAG_SHOW_VFS) for the socket's sockfs inode.
// Unprivileged, but the kernel's unix_lookup_by_ino() walks every Unix socket of the
// network namespace, so it costs O(sockets in the netns) per call.
std::optional<InodeId> bound_path_inode_by_sock_diag(int socket_fd);

}  // namespace sv::net
