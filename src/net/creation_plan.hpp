// How a pathname socket gets its declared owner, group and mode: the pure decision
// (which fsuid/fsgid and umask to bind with, and whether a fix-up after bind is needed)
// from the caller's credentials and facts about the parent directory. No syscalls in
// plan_creation(); the two fact-gathering helpers only read.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "unit/unit.hpp"

namespace sv::net {

struct Credentials {
    uid_t euid = 0;
    gid_t rgid = 0, egid = 0, sgid = 0;
    std::vector<gid_t> supplementary;
};
Credentials current_credentials();

struct DirectoryFacts {
    gid_t gid = 0;
    bool setgid = false;       // new entries take the directory's group (inode_init_owner)
    bool default_acl = false;  // the default ACL, not the umask, shapes new entries' modes
};
DirectoryFacts inspect_directory(int dirfd);

struct CreationPlan {
    uid_t uid = 0;  // declared (or own) owner, group and mode: the final state
    gid_t gid = 0;
    mode_t mode = 0;
    std::optional<uid_t> fsuid;  // for FsIdGuard (nullopt: keep)
    std::optional<gid_t> fsgid;
    // The permission bits the inode is born with: `mode` when the kernel can create it
    // exactly as declared; `mode & 0700` (owner bits only) when a fix-up must follow —
    // so that during the fix-up it is never *more* accessible than declared to anyone.
    mode_t create_mode = 0;
    bool fix_after = false;
    std::string fix_reason;  // why (for docs and tests): "setgid directory", ...
};

// `object` names the path in errors (non-root asking for another owner or a group it
// is not in: EPERM with a clear detail).
Result<CreationPlan> plan_creation(const unit::ListenSpec& spec, const Credentials& creds,
                                   const DirectoryFacts& dir, const std::string& object);

}  // namespace sv::net
