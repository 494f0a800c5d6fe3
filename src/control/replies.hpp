// The reply lines the daemon sends (SPEC §8), one builder per shape, so the daemon
// never writes JSON by hand and the client reads exactly what was built. Pure;
// every builder returns one line ending in "\n" with no other newline in it.
//
//   status          {"ok":true,"units":[UnitStatus...]}                (SPEC §7 fields)
//   start|stop|restart  {"ok":true,"units":["web",...]}                (units acted on)
//   reload          {"ok":true,"added":[..],"removed":[..],"changed":[..],
//                    "unchanged":[..],"problems":["FILE:LINE:COL: msg",..]}
//   any error       {"ok":false,"code":"no_such_unit","error":"no such unit: web"}
//                   (+ "units":[..] for no_such_unit, + "problems":[..] for invalid_units)
#pragma once

#include <string>
#include <vector>

#include "control/protocol.hpp"
#include "control/status.hpp"

namespace sv::control {

// What a reload did. `ok` stays true when some files were invalid: everything
// else was applied (SPEC §6); sockvisorctl exits 3 when `problems` is not empty.
struct ReloadReport {
    std::vector<std::string> added, removed, changed, unchanged;  // unit names
    std::vector<std::string> problems;                            // "FILE:LINE:COL: message"

    bool operator==(const ReloadReport&) const = default;
};

void to_json(nlohmann::ordered_json& j, const ReloadReport& r);
void from_json(const nlohmann::ordered_json& j, ReloadReport& r);

std::string status_reply(const std::vector<UnitStatus>& units);
std::string units_reply(const std::vector<std::string>& units);
std::string reload_reply(const ReloadReport& report);

// {"ok":false,"code":...,"error":...}
std::string error_reply(const ErrorReply& error);
// The daemon checks every named unit before acting on any; when some are not
// loaded it does nothing and sends this: "no such unit: api, web" + "units":[..].
std::string no_such_unit_reply(const std::vector<std::string>& missing);
// Refused because these units' files are invalid (e.g. `start` of a unit whose file
// failed to load at the last reload): message plus each problem line.
std::string invalid_units_reply(const std::vector<std::string>& units,
                                const std::vector<std::string>& problems);

// The message no_such_unit_reply uses: "no such unit: web", "no such unit: api, web".
std::string no_such_unit_message(const std::vector<std::string>& missing);

}  // namespace sv::control
