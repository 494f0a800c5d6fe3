#include "daemon/status_snapshot.hpp"

#include <unistd.h>

#include "base/identity.hpp"
#include "base/mode.hpp"
#include "net/address.hpp"
#include "unit/signal_names.hpp"

namespace sv::daemon {
namespace {

// sockvisord's own user and group names, looked up once: an NSS lookup per
// listener (reading /etc/passwd and /etc/group each time) dominated `status`
// with 1,000 units.
const std::string& own_user_name() {
    static const std::string name = user_name(geteuid());
    return name;
}
const std::string& own_group_name() {
    static const std::string name = group_name(getegid());
    return name;
}

control::ListenStatus listen_status(const unit::ListenSpec& spec, int fd) {
    control::ListenStatus l;
    l.address = net::to_string(spec.address);
    l.type = std::string(unit::to_string(spec.type));
    l.name = spec.name;
    l.fd = fd;
    if (spec.address.family == net::Family::unix_path) {
        l.mode = format_mode(spec.mode);
        l.owner = spec.owner ? spec.owner->name : own_user_name();
        l.group = spec.group ? spec.group->name : own_group_name();
    }
    return l;
}

}  // namespace

control::UnitStatus snapshot(const UnitRunner& runner) {
    RunnerFacts f = runner.facts();
    control::UnitStatus u;
    u.name = runner.name();
    u.state = f.state;
    if (f.pid > 0) u.pid = f.pid;
    u.since = f.since;
    u.uptime_s = f.uptime_s;
    u.restarts = f.restarts;
    u.accepted = f.accepted;
    u.active = f.active;
    u.status_text = f.status_text;
    if (f.last_exit) {
        control::LastExit e;
        if (f.last_exit->status.signal != 0) {
            std::string_view name = unit::signal_name(f.last_exit->status.signal);
            e.signal =
                name.empty() ? std::to_string(f.last_exit->status.signal) : std::string(name);
        } else {
            e.code = f.last_exit->status.code;
        }
        e.at = f.last_exit->at;
        u.last_exit = e;
    }
    // In accept mode the service gets the connection, not the listeners: fd 3 is
    // the connection, so the listeners carry no fd number (-1).
    bool accept = runner.unit().service.accept;
    for (size_t i = 0; i < runner.unit().listen.size(); ++i)
        u.listen.push_back(
            listen_status(runner.unit().listen[i], accept ? -1 : 3 + static_cast<int>(i)));
    return u;
}

control::UnitStatus snapshot_invalid(const std::string& name) {
    control::UnitStatus u;
    u.name = name;
    u.state = "failed";
    return u;
}

}  // namespace sv::daemon
