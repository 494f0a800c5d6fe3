// setfsuid/setfsgid + capset + umask around bind(). Owns the raw capability syscalls
// (no libcap dependency for two calls). Must never leave the process with a changed
// fsuid, fsgid, umask or capability set once the guard is gone.
#include "net/fsid_guard.hpp"

#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sv::net {
namespace {

// The kernel's CAP_FS_MASK (include/linux/capability.h): what cap_task_fix_setuid()
// drops from the effective set when fsuid goes from 0 to non-zero (and raises again,
// from the permitted set, when it returns to 0).
constexpr unsigned kFsCaps[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                CAP_FOWNER, CAP_FSETID,       CAP_LINUX_IMMUTABLE,
                                CAP_MKNOD,  CAP_MAC_OVERRIDE};

struct Caps {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
};

bool get_caps(Caps& caps) {
    return ::syscall(SYS_capget, &caps.header, caps.data) == 0;
}
bool set_caps(Caps& caps) {
    return ::syscall(SYS_capset, &caps.header, caps.data) == 0;
}

}  // namespace

Status FsIdGuard::enter(mode_t umask_value, std::optional<uid_t> fsuid,
                        std::optional<gid_t> fsgid) {
    old_umask_ = ::umask(umask_value);
    umask_set_ = true;

    // setfsuid/setfsgid return the previous value and never an error; a refused change
    // shows up only as the value not changing, so read it back with an invalid id (-1).
    if (fsgid) {
        old_fsgid_ = static_cast<gid_t>(::setfsgid(*fsgid));
        if (static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != *fsgid)
            return sys_error("setfsgid to", std::to_string(*fsgid), EPERM);
    }
    if (fsuid) {
        Caps before;
        if (!get_caps(before)) return sys_error("capget", "", errno);
        for (int i = 0; i < 2; ++i) old_effective_[i] = before.data[i].effective;
        caps_saved_ = true;

        old_fsuid_ = static_cast<uid_t>(::setfsuid(*fsuid));
        if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != *fsuid)
            return sys_error("setfsuid to", std::to_string(*fsuid), EPERM);

        // The kernel just dropped CAP_FS_MASK from the effective set (fsuid left 0), so
        // the directory-override capabilities would no longer let us create the entry
        // in a directory the owner cannot write. They are still permitted: raise them.
        Caps caps;
        if (!get_caps(caps)) return sys_error("capget", "", errno);
        for (unsigned cap : kFsCaps) {
            unsigned idx = CAP_TO_INDEX(cap), bit = CAP_TO_MASK(cap);
            if (caps.data[idx].permitted & bit) caps.data[idx].effective |= bit;
        }
        if (!set_caps(caps)) return sys_error("capset", "", errno);
    }
    return ok_status();
}

FsIdGuard::~FsIdGuard() {
    // Reverse order. fsuid first: going back to 0 makes the kernel re-raise CAP_FS_MASK
    // from permitted; then put the effective set back exactly as it was.
    if (old_fsuid_) ::setfsuid(*old_fsuid_);
    if (caps_saved_) {
        Caps caps;
        if (get_caps(caps)) {
            for (int i = 0; i < 2; ++i) caps.data[i].effective = old_effective_[i];
            set_caps(caps);
        }
    }
    if (old_fsgid_) ::setfsgid(*old_fsgid_);
    if (umask_set_) ::umask(old_umask_);
}

}  // namespace sv::net
