// The `status` reply's units array (SPEC §7) written straight into a string, byte
// for byte what nlohmann's dump() of to_json(UnitStatus) writes, without building
// the document first. Why: at 1,000 units the tree of ~25,000 ordered_json nodes,
// its dump and its destruction cost the daemon ~61 M instructions per request
// (callgrind), most of `sockvisorctl status --json`'s time (docs/benchmarks.md, 8).
// Strings that need escaping and every double still go through nlohmann's own
// code, so the text cannot drift from to_json(); tests/control/status_writer_test
// compares the two on generated and hostile input.
#pragma once

#include <string>
#include <vector>

#include "control/status.hpp"

namespace sv::control {

// Appends `[{unit},...]` to `out`: the same text as
// ordered_json(units).dump(-1, ' ', false, error_handler_t::replace).
void append_status_array(std::string& out, const std::vector<UnitStatus>& units);

}  // namespace sv::control
