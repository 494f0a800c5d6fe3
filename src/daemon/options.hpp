// sockvisord's command line: parsed into a plain value (CLI11 does the parsing).
// Knows nothing about units or sockets beyond the strings the user typed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sv::daemon {

// Inline mode: `--listen ADDRESS ... -- COMMAND ARGS`, one implicit unit.
struct InlineOptions {
    std::vector<std::string> listen;
    std::optional<std::string> type, name, owner, group, mode, restart;
    bool accept = false;
    bool eager = false;
    std::vector<std::string> command;  // everything after "--"
};

struct Options {
    std::vector<std::string> unit_dirs;
    std::optional<std::string> runtime_dir;
    std::optional<std::string> control_path;
    std::optional<std::string> control_group;
    std::string log_level = "info";
    std::string log_format = "text";
    bool strict = false;
    bool check = false;
    std::optional<InlineOptions> inline_unit;
};

struct ParsedArgs {
    std::optional<Options> options;  // nullopt: exit with `exit_code` (help or usage error)
    int exit_code = 0;
};

// Prints help or the usage error itself (CLI11's text) before returning.
ParsedArgs parse_args(int argc, char** argv);

}  // namespace sv::daemon
