#include "control/authorize.hpp"

#include <algorithm>

namespace sv::control {

bool is_read_only(Command cmd) {
    switch (cmd) {
        case Command::status:
            return true;
        case Command::start:
        case Command::stop:
        case Command::restart:
        case Command::reload:
            return false;
    }
    return false;
}

Authorization authorize(Command cmd, const PeerCred& peer, uid_t own_uid,
                        const std::optional<ControlGroup>& control_group,
                        const std::vector<gid_t>& peer_groups) {
    if (peer.uid == 0 || peer.uid == own_uid) return {true, {}};
    if (control_group && is_read_only(cmd)) {
        gid_t g = control_group->gid;
        bool member = peer.gid == g ||
                      std::find(peer_groups.begin(), peer_groups.end(), g) != peer_groups.end();
        if (member) return {true, {}};
    }

    std::string who =
        own_uid == 0 ? "only root may" : "only root and uid " + std::to_string(own_uid) + " may";
    std::string message = "permission denied: uid " + std::to_string(peer.uid) + " may not run '" +
                          std::string(to_string(cmd)) + "' (" + who;
    if (control_group)
        message += "; members of group '" + control_group->name + "' may run 'status'";
    return {false, message + ")"};
}

}  // namespace sv::control
