#include "daemon/runtime_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace sv::daemon {

std::string absolute_path(const std::string& path) {
    if (!path.empty() && path.front() == '/') return path;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return path;
    std::string base(cwd);
    return path.empty() || path == "." ? base : base + "/" + path;
}

Result<std::string> prepare_runtime_dir(const std::string& given) {
    std::string dir = absolute_path(given);
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    mode_t mode = geteuid() == 0 ? 0755 : 0700;
    if (mkdir(dir.c_str(), mode) == 0) {
        // mkdir applies the umask; the documented mode is exact.
        if (chmod(dir.c_str(), mode) != 0) return sys_error("chmod", dir, errno);
    } else if (errno != EEXIST) {
        return sys_error("create runtime directory", dir, errno);
    }
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0) return sys_error("stat runtime directory", dir, errno);
    if (!S_ISDIR(st.st_mode))
        return plain_error("use runtime directory", dir, "it is not a directory (or is a symlink)");
    if (st.st_uid != geteuid())
        return plain_error("use runtime directory", dir,
                           "it is owned by uid " + std::to_string(st.st_uid) + ", not by us (uid " +
                               std::to_string(geteuid()) + ")");
    // A directory others can write to would let them plant entries where our
    // sockets go; the stale-entry logic copes, but the runtime dir must be ours.
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return plain_error("use runtime directory", dir, "it is writable by group or others");
    return dir;
}

}  // namespace sv::daemon
