// Overwrite policy and the stale-socket probe. Owns every unlinkat of a pre-existing
// entry; must never remove a directory, a live socket under "stale", or anything other
// than the exact inode it inspected.
#include "net/stale_entry.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/fd.hpp"
#include "net/socket_options.hpp"
#include "net/squatter.hpp"

namespace sv::net {
namespace {

std::string kind_of(const struct stat& st) {
    switch (st.st_mode & S_IFMT) {
        case S_IFREG:
            return "a regular file";
        case S_IFDIR:
            return "a directory";
        case S_IFLNK:
            return "a symbolic link";
        case S_IFIFO:
            return "a FIFO";
        case S_IFSOCK:
            return "a socket";
        case S_IFCHR:
            return "a character device";
        case S_IFBLK:
            return "a block device";
        default:
            return "a file of unknown type";
    }
}

enum class Probe { alive, stale };

// Connect to the socket inode behind an O_PATH fd: "/proc/self/fd/N" resolves (as a
// magic link) to exactly the inode we fstat'ed, so a symlink swapped in at the name
// cannot redirect the probe. Only ECONNREFUSED proves nobody is bound there
// (unix_find_bsd finds the inode but no socket); success, EAGAIN (backlog full) and
// EPROTOTYPE (someone listens with another type) all mean a live owner, and any other
// error means we cannot tell — fail safe, treat as alive.
Probe probe(int entry_fd, unit::SocketType type, int& err) {
    Fd s(::socket(AF_UNIX, socket_type_flag(type) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s) {
        err = errno;
        return Probe::alive;
    }
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d", entry_fd);
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
        err = 0;
        return Probe::alive;
    }
    err = errno;
    return err == ECONNREFUSED ? Probe::stale : Probe::alive;
}

SysError refuse(const std::string& path, const std::string& what, unit::Overwrite policy) {
    return plain_error("bind", path,
                       "'" + path + "' exists and is " + what +
                           "; not removing it (overwrite = \"" +
                           std::string(unit::to_string(policy)) + "\")");
}

}  // namespace

namespace {

// "a regular file", "a symbolic link to '/x'": `st` describes the entry that
// readlinkat(fd, name) reaches (a directory fd and a name, or an O_PATH fd and "").
std::string describe_stat(const struct stat& st, int fd, const char* name) {
    std::string what = kind_of(st);
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = ::readlinkat(fd, name, target, sizeof target - 1);
        if (n >= 0) what += " to '" + std::string(target, static_cast<size_t>(n)) + "'";
    }
    return what;
}

}  // namespace

std::string describe_entry(int dirfd, const std::string& name) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) return "missing";
    return describe_stat(st, dirfd, name.c_str());
}

Result<std::string> clear_existing_entry(int dirfd, const std::string& name,
                                         const std::string& path, unit::SocketType type,
                                         unit::Overwrite policy) {
    // O_PATH|O_NOFOLLOW opens the entry itself, whatever it is (a symlink too), without
    // opening a FIFO or device for I/O; fstat then tells what it really is.
    Fd entry(::openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!entry) {
        if (errno == ENOENT) return std::string();
        return sys_error("inspect", path, errno);
    }
    struct stat st {};
    if (::fstat(entry.get(), &st) < 0) return sys_error("inspect", path, errno);
    // Described from the pinned entry, not by its name again: the name may already
    // lead elsewhere (the swap-race test once read "'…' exists and is missing").
    const std::string what = describe_stat(st, entry.get(), "");
    std::string removed = what;  // what the caller may log as replaced

    switch (policy) {
        case unit::Overwrite::leave:
            return refuse(path, what, policy);
        case unit::Overwrite::stale: {
            if (!S_ISSOCK(st.st_mode)) return refuse(path, what, policy);
            int err = 0;
            if (probe(entry.get(), type, err) == Probe::alive) {
                std::string who = describe_holders(path);
                std::string live = "a socket with a live listener";
                if (!who.empty()) live += " (" + who + ")";
                if (err != 0 && err != EAGAIN && err != EPROTOTYPE)
                    live = "a socket whose liveness cannot be checked (connect: " +
                           std::string(std::strerror(err)) + ")";
                return refuse(path, live, policy);
            }
            removed = "a stale socket";
            break;
        }
        case unit::Overwrite::always:
            if (S_ISDIR(st.st_mode))
                return plain_error("bind", path,
                                   "'" + path +
                                       "' exists and is a directory; a directory is never "
                                       "removed (overwrite = \"always\")");
            if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                return plain_error("bind", path,
                                   "'" + path + "' exists and is " + what +
                                       "; a device node is never removed (overwrite = \"always\")");
            break;
    }

    // Re-check that the name still refers to the inode we inspected right before
    // unlinking: unlinkat has no "only if it is this inode" form, so this narrows the
    // race to the two syscalls (docs/binding.md: the directory must not be writable by
    // anyone who would race us).
    struct stat now {};
    if (::fstatat(dirfd, name.c_str(), &now, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return std::string();  // gone meanwhile: nothing to replace
        return sys_error("inspect", path, errno);
    }
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
        return plain_error("bind", path, "'" + path + "' changed while it was being checked");
    // unlinkat never follows a symlink: it removes the link, not its target.
    if (::unlinkat(dirfd, name.c_str(), 0) < 0) {
        if (errno == ENOENT) return std::string();  // someone else removed it meanwhile
        return sys_error("remove stale", path, errno);
    }
    return removed;
}

}  // namespace sv::net
