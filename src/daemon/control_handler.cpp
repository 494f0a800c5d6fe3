#include "daemon/control_handler.hpp"

#include <spdlog/spdlog.h>

#include "control/peer.hpp"
#include "control/protocol.hpp"

namespace sv::daemon {
namespace {

std::string strip_newline(std::string reply) {
    while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
    return reply;
}

}  // namespace

std::string ControlHandler::handle(const std::string& line, const PeerCred& peer) {
    control::ParsedRequest parsed = control::parse_request(line);
    if (auto* error = std::get_if<control::ErrorReply>(&parsed))
        return strip_newline(control::error_reply(*error));
    const auto& request = std::get<control::Request>(parsed);

    control::PeerCred cred{peer.pid, peer.uid, peer.gid};
    auto auth = control::authorize(request.cmd, cred, own_uid_, group_, peer.groups);
    if (!auth.allowed) {
        spdlog::warn("control: refused '{}' from pid {} (uid {})", control::to_string(request.cmd),
                     peer.pid, peer.uid);
        return strip_newline(
            control::error_reply({control::ErrorCode::permission_denied, auth.message}));
    }

    switch (request.cmd) {
        case control::Command::status:
            return status(request.units);
        case control::Command::start:
            return act(OperatorRequest::start, request.units);
        case control::Command::stop:
            return act(OperatorRequest::stop, request.units);
        case control::Command::restart:
            return act(OperatorRequest::restart, request.units);
        case control::Command::reload: {
            spdlog::info("control: reload requested by pid {} (uid {})", peer.pid, peer.uid);
            return strip_newline(control::reload_reply(target_.reload()));
        }
    }
    return strip_newline(control::error_reply({control::ErrorCode::unknown_command, "?"}));
}

std::string ControlHandler::status(const std::vector<std::string>& names) {
    std::vector<std::string> wanted = names.empty() ? target_.unit_names() : names;
    std::vector<std::string> missing;
    std::vector<control::UnitStatus> units;
    for (const auto& name : wanted) {
        if (auto s = target_.unit_status(name))
            units.push_back(std::move(*s));
        else
            missing.push_back(name);
    }
    if (!missing.empty()) return strip_newline(control::no_such_unit_reply(missing));
    return strip_newline(control::status_reply(units));
}

std::string ControlHandler::act(OperatorRequest what, const std::vector<std::string>& names) {
    // Check every name before acting on any: all or nothing.
    std::vector<std::string> missing, invalid, problems;
    for (const auto& name : names) {
        if (!target_.unit_status(name)) {
            missing.push_back(name);
        } else if (auto p = target_.invalid_unit(name)) {
            invalid.push_back(name);
            problems.insert(problems.end(), p->begin(), p->end());
        }
    }
    if (!missing.empty()) return strip_newline(control::no_such_unit_reply(missing));
    if (!invalid.empty()) return strip_newline(control::invalid_units_reply(invalid, problems));
    for (const auto& name : names) target_.request(name, what);
    return strip_newline(control::units_reply(names));
}

}  // namespace sv::daemon
