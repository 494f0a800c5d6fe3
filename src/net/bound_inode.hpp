// The filesystem inode a pathname Unix socket is bound to, as the kernel itself records
// it (sock_diag UNIX_DIAG_VFS — what `ss -xe` shows). fstat() on a socket fd reports
// the sockfs inode, not the path's, so this is the only way to tie a socket fd to the
// entry in its directory. Read-only; never touches the filesystem.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>

namespace sv::net {

struct InodeId {
    dev_t dev = 0;
    ino_t ino = 0;  // only the low 32 bits: unix_diag_vfs.udiag_vfs_ino is a __u32

    // Is `st` (from stat of the path) this inode? Compares the low 32 bits of st_ino,
    // which is all sock_diag reports; together with st_dev and S_ISSOCK that suffices.
    bool refers_to(const struct stat& st) const;
};

// nullopt when the socket has no path inode (abstract, unbound) or sock_diag is not
// available (CONFIG_UNIX_DIAG off).
std::optional<InodeId> bound_path_inode(int socket_fd);

}  // namespace sv::net
