// Turns a running unit into the status record SPEC §7 defines (control/status.hpp).
// Reads the runner and the unit definition; changes nothing.
#pragma once

#include <string>

#include "control/status.hpp"
#include "daemon/unit_runner.hpp"

namespace sv::daemon {

control::UnitStatus snapshot(const UnitRunner& runner);

// A unit whose file is invalid and that never ran: failed, with no sockets.
control::UnitStatus snapshot_invalid(const std::string& name);

}  // namespace sv::daemon
