// describe(): the one-line human form of a listener for logs and status. Pure apart
// from resolving ids to names; never touches sockets.
#include <unistd.h>

#include "base/identity.hpp"
#include "base/mode.hpp"
#include "net/listener.hpp"
#include "net/socket_options.hpp"

namespace sv::net {

std::string describe(const unit::ListenSpec& spec) {
    std::string text =
        to_string(spec.address) + " " + std::string(unit::to_string(effective_type(spec)));
    if (spec.address.family != Family::unix_path) return text;
    const std::string owner = spec.owner ? spec.owner->name : user_name(::geteuid());
    const std::string group = spec.group ? spec.group->name : group_name(::getegid());
    return text + " " + format_mode(spec.mode) + " " + owner + ":" + group;
}

}  // namespace sv::net
