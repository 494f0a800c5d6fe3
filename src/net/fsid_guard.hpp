// FsIdGuard: the calling thread's umask, filesystem uid/gid and effective capabilities
// for the duration of one bind(), so the socket inode is born with the declared owner,
// group and mode. Restores everything on destruction. Never outlives that one call, and
// is only sound in a single-threaded process (fsuid and umask are per-thread/process).
#pragma once

#include <sys/types.h>

#include <optional>

#include "base/result.hpp"

namespace sv::net {

class FsIdGuard {
  public:
    FsIdGuard() = default;
    ~FsIdGuard();
    FsIdGuard(const FsIdGuard&) = delete;
    FsIdGuard& operator=(const FsIdGuard&) = delete;

    // Set umask, then fsgid, then fsuid (nullopt: leave as is), then re-raise the
    // CAP_FS_MASK capabilities that are still permitted. On error everything already
    // changed is restored by the destructor.
    Status enter(mode_t umask_value, std::optional<uid_t> fsuid, std::optional<gid_t> fsgid);

  private:
    bool umask_set_ = false;
    mode_t old_umask_ = 0;
    std::optional<uid_t> old_fsuid_;
    std::optional<gid_t> old_fsgid_;
    bool caps_saved_ = false;
    unsigned old_effective_[2] = {0, 0};
};

}  // namespace sv::net
