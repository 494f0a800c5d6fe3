// Durations as unit files write them: a number of seconds (1.5) or a string with
// a unit ("250ms", "10s", "2min", "1h"). Pure parsing and printing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sv {

using Duration = std::chrono::milliseconds;

// "250ms", "10s", "1.5s", "2min", "1h", "0". Returns nullopt for anything else,
// including negative values and values over a day-scale sanity bound (see limits.hpp).
std::optional<Duration> parse_duration(std::string_view text);
std::optional<Duration> duration_from_seconds(double seconds);

// Shortest exact form: "100ms", "10s", "2min", "1h".
std::string format_duration(Duration d);

}  // namespace sv
