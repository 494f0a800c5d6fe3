// Names a unit file declares or implies: the unit name (from the file name),
// LISTEN_FDNAMES entries and environment variable names; and how messages show
// user text that may hold control characters. Pure.
#pragma once

#include <string>
#include <string_view>

namespace sv::unit {

// "units/web.toml" → "web"; a name without ".toml" is kept whole.
std::string unit_name_from_file(std::string_view file);

// 1–64 characters of [A-Za-z0-9_.-], and not "." or "..".
bool is_valid_unit_name(std::string_view name);

// 1–255 printable ASCII characters (space to '~'), no ':' — systemd's rule for
// LISTEN_FDNAMES (fdname_is_valid).
bool is_valid_fd_name(std::string_view name);

// [A-Za-z_][A-Za-z0-9_]*
bool is_valid_env_name(std::string_view name);

// Variables sockvisord sets itself (the LISTEN_FDS protocol, NOTIFY_SOCKET,
// SOCKVISOR_UNIT): a unit may not override them.
bool is_reserved_env_name(std::string_view name);

// User text for a message: control characters escaped as \n, \t, \0 or \xNN
// (UTF-8 is kept as it is), long text cut to 80 characters with "...".
std::string escaped(std::string_view text);

}  // namespace sv::unit
