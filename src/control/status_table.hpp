// The human form of `sockvisorctl status`: one aligned row per unit. Pure text
// from UnitStatus; never decides exit codes and never reads a clock (the daemon
// computes uptime_s from its monotonic clock, so wall-clock jumps cannot skew it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "control/status.hpp"

namespace sv::control {

// "3d4h", "2h5m", "12m3s", "45s" (seconds truncated; negative shows "0s");
// nullopt, NaN or infinity → "-".
std::string format_uptime(std::optional<double> seconds);

// "/run/web.sock(stream,0660,root:www-data)", "tcp://127.0.0.1:80(stream)".
std::string format_listen(const ListenStatus& listen);

// "active/accepted" for accept units ("3/10234"), "-" for the others.
std::string format_connections(const UnitStatus& unit);

// Header `UNIT STATE PID UPTIME RESTARTS CONNECTIONS LISTEN`, then one row per
// unit, columns padded to their widest cell plus two spaces, no trailing blanks,
// every line ending in "\n". Control characters in addresses are escaped (\xNN) so
// a hostile path cannot rewrite the operator's terminal.
std::string render_table(const std::vector<UnitStatus>& units);

}  // namespace sv::control
