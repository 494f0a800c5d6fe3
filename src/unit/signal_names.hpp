// stop_signal values: the standard signal names, with or without "SIG"
// ("SIGTERM", "TERM"). Numbers are not accepted: their meaning differs between
// architectures, names do not. Pure.
#pragma once

#include <optional>
#include <string_view>

namespace sv::unit {

std::optional<int> parse_signal_name(std::string_view text);

// "SIGTERM" for 15; "" for a number without a name.
std::string_view signal_name(int signal);

}  // namespace sv::unit
