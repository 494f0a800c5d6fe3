// Reading a control client's identity from the kernel: SO_PEERCRED, its groups
// (SO_PEERGROUPS, or the "Groups:" line of /proc/PID/status). Only reads; the
// decision is authorize.hpp's.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "control/authorize.hpp"

namespace sv::control {

// getsockopt(SO_PEERCRED) on a connected Unix socket.
Result<PeerCred> read_peer_cred(int fd);

// getsockopt(SO_PEERGROUPS) (Linux 4.13): the peer's supplementary groups as they
// were when it connected. Prefer this to /proc: it is taken at connect time, so a
// peer that exits and whose pid is reused cannot lend another process's groups.
Result<std::vector<gid_t>> read_peer_groups(int fd);

// The "Groups:" line of a /proc/PID/status text: "Groups:\t4 24 27 1000 \n".
// nullopt when there is no such line or a value is not a number.
std::optional<std::vector<gid_t>> parse_status_groups(std::string_view status_text);

// Reads /proc/PID/status and parses its Groups: line (fallback for kernels
// without SO_PEERGROUPS; racy against pid reuse, see above).
Result<std::vector<gid_t>> read_proc_groups(pid_t pid);

}  // namespace sv::control
