// Who may run which control command (SPEC §8), as a pure decision over the peer's
// credentials. Reads nothing itself: the daemon passes what SO_PEERCRED and
// peer_groups (peer.hpp) returned. Never logs.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "control/protocol.hpp"

namespace sv::control {

struct PeerCred {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;  // the peer's effective gid when it connected
};

// --control-group: its gid, and its name for messages.
struct ControlGroup {
    gid_t gid = 0;
    std::string name;
};

struct Authorization {
    bool allowed = false;
    std::string message;  // when refused: the text of the permission_denied reply
};

// Root and sockvisord's own user may run every command. Members of the control
// group — by the peer's primary gid or one of `peer_groups` (its supplementary
// groups) — may run `status`. Anyone else is refused:
//   "permission denied: uid 1000 may not run 'stop' (only root may; members of
//    group 'sockvisor' may run 'status')"
Authorization authorize(Command cmd, const PeerCred& peer, uid_t own_uid,
                        const std::optional<ControlGroup>& control_group,
                        const std::vector<gid_t>& peer_groups);

// The commands a control-group member may run: the read-only ones.
bool is_read_only(Command cmd);

}  // namespace sv::control
