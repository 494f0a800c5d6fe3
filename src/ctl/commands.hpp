// sockvisorctl's commands as a table (ninja's Tool): each row is a name, its help
// and the unit arguments it takes; the command line is parsed from the table by
// CLI11. Builds a request; never connects or prints a reply.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "control/protocol.hpp"

namespace sv::ctl {

enum class UnitArgs { none, any, at_least_one };

struct Tool {
    std::string_view name;  // also the wire command (control::to_string)
    std::string_view help;
    control::Command cmd;
    UnitArgs units;
};

std::span<const Tool> tools();

struct Invocation {
    std::string control_path;
    bool json = false;
    control::Request request;
};

struct ParsedCommandLine {
    std::optional<Invocation> invocation;  // nullopt: exit with exit_code (help, usage error)
    int exit_code = 0;
};

// Prints help or CLI11's usage error itself before returning.
ParsedCommandLine parse_command_line(int argc, char** argv);

}  // namespace sv::ctl
