// Octal permission modes as unit files write them: the string "0660" (or "660")
// or a TOML integer written 0o660. Pure.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace sv {

// Digits 0-7 only, 1 to 5 characters (an optional leading 0 plus up to 4 digits),
// value at most `max` (0777 for sockets, 07777 for directories).
std::optional<mode_t> parse_mode(std::string_view text, mode_t max);

// Always four digits with a leading zero: "0660".
std::string format_mode(mode_t mode);

}  // namespace sv
