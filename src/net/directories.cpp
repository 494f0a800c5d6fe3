// Walks a path component by component with O_PATH|O_NOFOLLOW and creates what is
// missing. Owns directory creation (mode exact, owner = sockvisord); never chmods or
// chowns a directory it did not create in this call.
#include "net/directories.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sv::net {
namespace {

// umask for the lifetime of one mkdirat: the declared directory_mode is exact, as
// systemd's DirectoryMode= is. Per-process state, safe because sockvisord is single
// threaded.
class UmaskZero {
  public:
    UmaskZero() : old_(::umask(0)) {}
    ~UmaskZero() { ::umask(old_); }
    UmaskZero(const UmaskZero&) = delete;
    UmaskZero& operator=(const UmaskZero&) = delete;

  private:
    mode_t old_;
};

constexpr int kDirFlags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// The common case — every component exists and none is a symlink — in one syscall:
// openat2() with RESOLVE_NO_SYMLINKS fails (ELOOP) on a symlink in *any* component,
// the last included, which is exactly what the walk below enforces one component at a
// time (eleven syscalls for /dev/shm/a/b/run, twice per socket: bind and release).
// Any failure (a missing component to create, a symlink to explain, ENOSYS before
// Linux 5.6 or under a seccomp filter) falls back to the walk, which redoes it all and
// says precisely what is wrong.
Fd open_existing_without_symlinks(const std::string& directory) {
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS;
    return Fd(
        static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, directory.c_str(), &how, sizeof how)));
}

}  // namespace

SplitPath split_path(const std::string& absolute_path) {
    size_t slash = absolute_path.rfind('/');
    if (slash == std::string::npos) return {".", absolute_path};
    return {slash == 0 ? "/" : absolute_path.substr(0, slash), absolute_path.substr(slash + 1)};
}

Result<Fd> open_parent_directory(const std::string& absolute_path,
                                 std::optional<mode_t> create_mode) {
    if (absolute_path.empty() || absolute_path.front() != '/')
        return plain_error("open directory of", absolute_path, "not an absolute path");
    const std::string parent = split_path(absolute_path).parent;
    if (Fd fast = open_existing_without_symlinks(parent)) return fast;

    Fd dir(::open("/", kDirFlags & ~O_NOFOLLOW));
    if (!dir) return sys_error("open", "/", errno);
    std::string walked;
    size_t i = 1;
    while (i < parent.size()) {
        size_t j = parent.find('/', i);
        if (j == std::string::npos) j = parent.size();
        const std::string part = parent.substr(i, j - i);
        i = j + 1;
        if (part.empty() || part == ".") continue;
        walked += "/" + part;

        int fd = ::openat(dir.get(), part.c_str(), kDirFlags);
        if (fd < 0 && errno == ENOENT && create_mode) {
            int rc;
            {
                UmaskZero zero;
                rc = ::mkdirat(dir.get(), part.c_str(), *create_mode);
            }
            // EEXIST: created by someone else meanwhile — fine, open (and check) it.
            if (rc < 0 && errno != EEXIST) return sys_error("create directory", walked, errno);
            fd = ::openat(dir.get(), part.c_str(), kDirFlags);
        }
        if (fd < 0) {
            int err = errno;
            // O_NOFOLLOW|O_PATH on a symlink opens the link itself when O_DIRECTORY is
            // absent; with O_DIRECTORY it fails with ENOTDIR (or ELOOP on older kernels).
            // Tell the user which it was.
            struct stat st {};
            if ((err == ENOTDIR || err == ELOOP) &&
                ::fstatat(dir.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode)) {
                return plain_error("open directory", walked,
                                   "it is a symbolic link; sockvisor never follows a symlink "
                                   "in a socket's directory (write the path without it)");
            }
            return sys_error("open directory", walked, err);
        }
        dir = Fd(fd);
    }
    return dir;
}

}  // namespace sv::net
