// The one call into sd_listen_fds_with_names(); libsystemd owns the protocol's
// parsing (LISTEN_PID check, counts, names). We only take ownership of the result.
#include "activation/inherited_fds.hpp"

#include <fcntl.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstdlib>

namespace sv::activation {

Result<std::vector<InheritedFd>> take_inherited_fds() {
    char** names = nullptr;
    // unset_environment = 1: the variables describe *our* fds; a service that saw
    // them would believe it inherited them too (its LISTEN_PID check saves it only
    // until the pid is reused). The Spawner sets fresh ones per service.
    const int n = ::sd_listen_fds_with_names(1, &names);
    if (n < 0) return sys_error("take inherited fds", "LISTEN_FDS", -n);

    std::vector<InheritedFd> fds;
    fds.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        // Owned from here, so an early return below closes what we took.
        fds.push_back({Fd(SD_LISTEN_FDS_START + i), names ? names[i] : "unknown"});
    }
    if (names != nullptr) {
        for (int i = 0; names[i] != nullptr; ++i) std::free(names[i]);
        std::free(names);
    }
    for (InheritedFd& f : fds) {
        // libsystemd 252 already sets FD_CLOEXEC here, but rule 5 (every fd we hold
        // is close-on-exec) must not depend on a library's internals.
        const int flags = ::fcntl(f.fd.get(), F_GETFD);
        if (flags < 0 || ::fcntl(f.fd.get(), F_SETFD, flags | FD_CLOEXEC) < 0)
            return sys_error("set close-on-exec on inherited fd",
                             std::to_string(f.fd.get()) + " (" + f.name + ")", errno);
    }
    return fds;
}

}  // namespace sv::activation
