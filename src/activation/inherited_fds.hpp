// Inherited sockets: the fds sockvisord itself was started with through LISTEN_FDS
// (e.g. by systemd), taken with libsystemd's sd_listen_fds_with_names(). Takes
// ownership and marks them close-on-exec; never matches them to listeners (the
// daemon does) and never leaves LISTEN_* in the environment for services to see.
#pragma once

#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace sv::activation {

struct InheritedFd {
    Fd fd;             // 3, 4, ... in LISTEN_FDS order, FD_CLOEXEC set
    std::string name;  // its LISTEN_FDNAMES entry; "unknown" when none was given
};

// Call once, early in main(), before anything else opens an fd. Returns the empty
// list when LISTEN_FDS is unset or LISTEN_PID names another process (the variables
// were meant for an ancestor). Unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES in
// every case. An error means malformed variables or an fd that is not open; the
// daemon treats it as a startup failure.
Result<std::vector<InheritedFd>> take_inherited_fds();

}  // namespace sv::activation
