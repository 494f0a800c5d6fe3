// What sockvisorctl prints and exits with for a reply (SPEC §1.2): the mapping from
// a reply line to stdout text, stderr text and an exit code. Pure, so every rule is
// tested without a daemon; main() only writes the strings out.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "control/protocol.hpp"

namespace sv::control {

struct Outcome {
    int exit_code = 0;
    std::string out;  // for stdout
    std::string err;  // for stderr, each line starting "sockvisorctl: " or a problem line
};

// `json`: status prints SPEC §7's document {"units":[...]}; the other commands
// print the daemon's reply object without "ok". Errors always go to stderr as text.
Outcome outcome_of(Command cmd, std::string_view reply_line, bool json);

// The daemon could not be reached (connect, send or read failed): exit 1.
Outcome unreachable(const SysError& error);

}  // namespace sv::control
