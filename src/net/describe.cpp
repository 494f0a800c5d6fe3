// describe(): the one-line human form of a listener for logs and status. Pure apart
// from resolving sockvisord's own ids to names (cached); never touches sockets.
#include <unistd.h>

#include "base/identity.hpp"
#include "base/mode.hpp"
#include "net/listener.hpp"
#include "net/socket_options.hpp"

namespace sv::net {
namespace {

// A one-entry cache per id kind: describe() runs once per bound socket (10,000 at
// start-up for 10,000 units), and each NSS lookup costs ~7 syscalls plus parsing
// /etc/passwd or /etc/group — and the id is almost always sockvisord's own. Keyed by
// the id, so a changed euid/egid simply misses. thread_local: no locking, and a
// test thread can never see a half-written entry. A name changed in /etc/passwd
// while sockvisord runs shows on the next restart only — these are log lines.
template <class Id, std::string (*Lookup)(Id)>
const std::string& cached_name(Id id) {
    thread_local bool valid = false;
    thread_local Id cached_id{};
    thread_local std::string cached_name;
    if (!valid || cached_id != id) {
        cached_name = Lookup(id);
        cached_id = id;
        valid = true;
    }
    return cached_name;
}

}  // namespace

std::string describe(const unit::ListenSpec& spec) {
    std::string text =
        to_string(spec.address) + " " + std::string(unit::to_string(effective_type(spec)));
    if (spec.address.family != Family::unix_path) return text;
    const std::string& owner =
        spec.owner ? spec.owner->name : cached_name<uid_t, user_name>(::geteuid());
    const std::string& group =
        spec.group ? spec.group->name : cached_name<gid_t, group_name>(::getegid());
    return text + " " + format_mode(spec.mode) + " " + owner + ":" + group;
}

}  // namespace sv::net
