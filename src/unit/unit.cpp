#include "unit/unit.hpp"

namespace sv::unit {

bool ListenSpec::operator==(const ListenSpec& o) const {
    auto principal_eq = [](const std::optional<Principal>& a, const std::optional<Principal>& b) {
        if (a.has_value() != b.has_value()) return false;
        return !a || a->id == b->id;
    };
    return address_text == o.address_text && address == o.address && type == o.type &&
           name == o.name && principal_eq(owner, o.owner) && principal_eq(group, o.group) &&
           mode == o.mode && directory_mode == o.directory_mode && overwrite == o.overwrite &&
           remove_on_stop == o.remove_on_stop && symlinks == o.symlinks && backlog == o.backlog &&
           pass_credentials == o.pass_credentials && receive_buffer == o.receive_buffer &&
           send_buffer == o.send_buffer && reuse_port == o.reuse_port && ipv6_only == o.ipv6_only;
}

std::string_view to_string(SocketType t) {
    switch (t) {
        case SocketType::stream: return "stream";
        case SocketType::dgram: return "dgram";
        case SocketType::seqpacket: return "seqpacket";
    }
    return "?";
}
std::string_view to_string(Overwrite o) {
    switch (o) {
        case Overwrite::stale: return "stale";
        case Overwrite::leave: return "leave";
        case Overwrite::always: return "always";
    }
    return "?";
}
std::string_view to_string(StartMode s) {
    switch (s) {
        case StartMode::on_demand: return "on-demand";
        case StartMode::eager: return "eager";
    }
    return "?";
}
std::string_view to_string(RestartPolicy r) {
    switch (r) {
        case RestartPolicy::no: return "no";
        case RestartPolicy::on_failure: return "on-failure";
        case RestartPolicy::always: return "always";
    }
    return "?";
}
std::string_view to_string(Ready r) {
    switch (r) {
        case Ready::started: return "started";
        case Ready::notify: return "notify";
    }
    return "?";
}
std::string_view to_string(NotifyAccess n) {
    switch (n) {
        case NotifyAccess::main: return "main";
        case NotifyAccess::all: return "all";
    }
    return "?";
}
std::string_view to_string(Output o) {
    switch (o) {
        case Output::log: return "log";
        case Output::inherit: return "inherit";
        case Output::null: return "null";
    }
    return "?";
}

}  // namespace sv::unit
