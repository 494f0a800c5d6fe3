// Decides owner/group/mode strategy for one pathname socket. Pure apart from reading
// credentials and directory facts; must never choose a strategy under which the socket
// is, at any moment, accessible to someone the declaration does not allow.
#include "net/creation_plan.hpp"

#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sv::net {

Credentials current_credentials() {
    Credentials c;
    uid_t ruid, euid, suid;
    ::getresuid(&ruid, &euid, &suid);
    ::getresgid(&c.rgid, &c.egid, &c.sgid);
    c.euid = euid;
    int n = ::getgroups(0, nullptr);
    if (n > 0) {
        c.supplementary.resize(static_cast<size_t>(n));
        n = ::getgroups(n, c.supplementary.data());
        c.supplementary.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
    return c;
}

DirectoryFacts inspect_directory(int dirfd) {
    DirectoryFacts f;
    struct stat st {};
    if (::fstat(dirfd, &st) == 0) {
        f.gid = st.st_gid;
        f.setgid = (st.st_mode & S_ISGID) != 0;
    }
    // fgetxattr refuses O_PATH fds; the magic link reaches the same inode.
    const std::string proc = "/proc/self/fd/" + std::to_string(dirfd);
    f.default_acl = ::getxattr(proc.c_str(), "system.posix_acl_default", nullptr, 0) > 0;
    return f;
}

Result<CreationPlan> plan_creation(const unit::ListenSpec& spec, const Credentials& creds,
                                   const DirectoryFacts& dir, const std::string& object) {
    CreationPlan p;
    p.mode = spec.mode & 07777;
    p.uid = spec.owner ? static_cast<uid_t>(spec.owner->id) : creds.euid;
    p.gid = spec.group ? static_cast<gid_t>(spec.group->id) : creds.egid;
    const bool root = creds.euid == 0;

    if (root) {
        if (p.uid != creds.euid) p.fsuid = p.uid;
        if (p.gid != creds.egid) p.fsgid = p.gid;
    } else {
        if (p.uid != creds.euid)
            return plain_error("bind", object,
                               "only root can create a socket owned by another user (owner " +
                                   std::to_string(p.uid) + ", sockvisord runs as uid " +
                                   std::to_string(creds.euid) + ")");
        // setfsgid(2) lets an unprivileged process pick only its real, effective or
        // saved gid; a supplementary group needs chown after creation.
        if (p.gid == creds.egid) {
        } else if (p.gid == creds.rgid || p.gid == creds.sgid) {
            p.fsgid = p.gid;
        } else if (std::find(creds.supplementary.begin(), creds.supplementary.end(), p.gid) !=
                   creds.supplementary.end()) {
            p.fix_after = true;
            p.fix_reason = "supplementary group";
        } else {
            return plain_error("bind", object,
                               "sockvisord (uid " + std::to_string(creds.euid) +
                                   ") is not a member of group " + std::to_string(p.gid) +
                                   " and is not root");
        }
    }
    // A setgid directory gives every new entry its own group (inode_init_owner), not
    // our fsgid: born with the directory's group, it must not carry group bits.
    if (dir.setgid && dir.gid != p.gid) {
        p.fix_after = true;
        p.fix_reason = "setgid directory";
    }
    if (dir.default_acl) {
        // posix_acl_create() applies the parent's default ACL instead of the umask and
        // gives the socket an access ACL (named users/groups, limited by the mask = the
        // group bits). Born with no group bits, the mask is 0 and those entries grant
        // nothing until the access ACL is removed and the mode set.
        p.fix_after = true;
        p.fix_reason = "default ACL on the directory";
    }
    p.create_mode = p.fix_after ? (p.mode & 0700) : p.mode;
    return p;
}

}  // namespace sv::net
