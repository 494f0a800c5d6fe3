// Binding a pathname Unix socket so that it appears at its declared path already with
// the declared owner, group and mode (SPEC §2.1). Owns the sequence: parent dir → stale
// entry → bind under FsIdGuard → verify the inode → fix-up → listen. Never follows a
// symlink, never chowns/chmods anything but the inode it just verified as its own.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/syscalls.hpp"
#include "net/bind_session.hpp"
#include "net/binders.hpp"
#include "net/bound_inode.hpp"
#include "net/creation_plan.hpp"
#include "net/directories.hpp"
#include "net/fsid_guard.hpp"
#include "net/socket_options.hpp"
#include "net/stale_entry.hpp"

namespace sv::net {
namespace {

std::string proc_fd(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

// Remove what we created, but only if the name still refers to that inode.
void remove_if_ours(int dirfd, const std::string& name, const struct stat& ours) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == ours.st_dev &&
        st.st_ino == ours.st_ino)
        ::unlinkat(dirfd, name.c_str(), 0);
}

// After a fix-up-free bind or after the fix-up: the inode must be exactly as declared.
Status check_declared(const struct stat& st, const CreationPlan& plan, const std::string& path) {
    if (st.st_uid == plan.uid && st.st_gid == plan.gid && (st.st_mode & 07777) == plan.mode)
        return ok_status();
    char buf[160];
    std::snprintf(buf, sizeof buf, "socket was created as %u:%u %04o instead of %u:%u %04o",
                  st.st_uid, st.st_gid, st.st_mode & 07777, plan.uid, plan.gid, plan.mode);
    return plain_error("bind", path, buf);
}

// The fix-up for a socket born with owner-only bits (CreationPlan::fix_after): set the
// group, drop an inherited access ACL, then open up to the declared mode — in that
// order, so no intermediate state grants more than the declaration.
Status fix_up(int entry_fd, const CreationPlan& plan, const std::string& path) {
    // O_PATH + AT_EMPTY_PATH: chown the exact inode we verified, no path lookup.
    if (::fchownat(entry_fd, "", plan.uid, plan.gid, AT_EMPTY_PATH) < 0)
        return sys_error("chown", path, errno);
    // f*xattr/fchmod refuse O_PATH fds; /proc/self/fd/N is a magic link to the same
    // inode, so these cannot be redirected either.
    const std::string via = proc_fd(entry_fd);
    if (::removexattr(via.c_str(), "system.posix_acl_access") < 0 && errno != ENODATA &&
        errno != EOPNOTSUPP)
        return sys_error("remove access ACL of", path, errno);
    if (::chmod(via.c_str(), plan.mode) < 0) return sys_error("chmod", path, errno);
    return ok_status();
}

}  // namespace

Result<BoundListener> bind_unix_path(const unit::ListenSpec& spec, BindSession& session) {
    const std::string& path = spec.address.path;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return sys_error("bind", path, ENAMETOOLONG);
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);

    auto dir = session.parent_directory(path, spec.directory_mode);
    if (!dir) return dir.error();
    const int dirfd = (*dir)->fd.get();
    const std::string name = split_path(path).name;

    auto plan = plan_creation(spec, session.credentials(), (*dir)->facts, path);
    if (!plan) return plan.error();

    auto replaced = clear_existing_entry(dirfd, name, path, spec.type, spec.overwrite);
    if (!replaced) return replaced.error();

    auto sock = make_socket(AF_UNIX, socket_type_flag(spec.type), path);
    if (!sock) return sock.error();
    if (auto s = apply_socket_options(sock->get(), spec, path); !s) return s.error();

    // bind() needs the real path: binding via /proc/self/fd/<dirfd>/name would make
    // getsockname() and /proc/net/unix report the /proc path, breaking the services
    // and operators that identify the socket by path. The path is then verified below.
    int rc, err = 0;
    {
        FsIdGuard guard;
        // unix_bind_bsd() creates the inode with 0777 & ~umask, owned by fsuid/fsgid.
        if (auto s = guard.enter(~plan->create_mode & 0777, plan->fsuid, plan->fsgid); !s)
            return s.error();
        rc = os().bind(sock->get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        err = errno;
    }
    if (rc < 0) {
        SysError e = sys_error("bind", path, err);
        if (err == EADDRINUSE) {
            std::string what = describe_entry(dirfd, name);
            if (what != "missing") e.detail = "something appeared there meanwhile: " + what;
        }
        return e;
    }

    // Verify that the name in *our* directory is the inode the socket is bound to. The
    // kernel resolved the absolute path itself; if a parent was swapped between our walk
    // and bind(), the socket landed elsewhere and we must not touch what is here.
    // bound_path_inode() costs O(1) as root (SIOCUNIXFILE); its sock_diag fallback
    // walks every Unix socket of the netns, O(n²) over n binds (docs/binding.md).
    // The fix-up needs the entry pinned (it changes that exact inode); without one a
    // stat of the name is enough, and saves an open and a close per socket.
    Fd entry;
    struct stat st {};
    bool found;
    if (plan->fix_after) {
        entry = Fd(::openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        found = entry && ::fstat(entry.get(), &st) == 0;
    } else {
        found = ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    }
    if (!found || !S_ISSOCK(st.st_mode))
        return plain_error("bind", path,
                           "the bound socket is not at the path in the directory that was "
                           "checked (the entry was replaced right after bind, or a parent "
                           "directory was)");
    if (auto bound = bound_path_inode(sock->get()); bound && !bound->refers_to(st))
        return plain_error("bind", path,
                           "the socket was bound to another inode than the one now at the "
                           "path (the entry was replaced right after bind, or a parent "
                           "directory was)");

    auto fail = [&](SysError e) -> Result<BoundListener> {
        remove_if_ours(dirfd, name, st);
        return e;
    };
    if (plan->fix_after) {
        if (auto s = fix_up(entry.get(), *plan, path); !s) return fail(s.error());
        if (::fstat(entry.get(), &st) < 0) return fail(sys_error("stat", path, errno));
    }
    if (auto s = check_declared(st, *plan, path); !s) return fail(s.error());
    if (auto s = start_listening(sock->get(), spec, path); !s) return fail(s.error());

    BoundListener b;
    b.fd = std::move(sock.value());
    b.spec = spec;
    b.dev = st.st_dev;
    b.ino = st.st_ino;
    b.replaced = std::move(replaced.value());
    return b;
}

}  // namespace sv::net
