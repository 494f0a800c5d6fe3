// ControlHandler: one control request line in, one reply line out (SPEC §8).
// Parses, authorizes by SO_PEERCRED, and dispatches to a ControlTarget (the
// Supervisor). Never touches a socket (ControlServer does) or a unit directly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "control/authorize.hpp"
#include "control/replies.hpp"
#include "control/status.hpp"
#include "daemon/control_server.hpp"
#include "daemon/unit_runner.hpp"

namespace sv::daemon {

// What control commands act on.
class ControlTarget {
  public:
    virtual ~ControlTarget() = default;
    // Every unit sockvisord knows: running ones and ones whose file is invalid.
    virtual std::vector<std::string> unit_names() const = 0;
    virtual std::optional<control::UnitStatus> unit_status(const std::string& name) const = 0;
    // The problems of a unit whose file is invalid (and that has no running
    // version); nullopt for a unit that runs.
    virtual std::optional<std::vector<std::string>> invalid_unit(const std::string& name) const = 0;
    virtual void request(const std::string& name, OperatorRequest what) = 0;
    virtual control::ReloadReport reload() = 0;
};

class ControlHandler {
  public:
    ControlHandler(ControlTarget& target, uid_t own_uid,
                   std::optional<control::ControlGroup> control_group)
        : target_(target), own_uid_(own_uid), group_(std::move(control_group)) {}

    // The reply line (with its "\n" removed: ControlServer adds the framing).
    std::string handle(const std::string& line, const PeerCred& peer);

  private:
    std::string status(const std::vector<std::string>& names);
    std::string act(OperatorRequest what, const std::vector<std::string>& names);

    ControlTarget& target_;
    uid_t own_uid_;
    std::optional<control::ControlGroup> group_;
};

}  // namespace sv::daemon
