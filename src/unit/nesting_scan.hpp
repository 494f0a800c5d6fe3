// A cheap pass over TOML text, before toml++ sees it, that finds nesting deeper
// than a bound. toml++ 3.3.0 (Debian 12) recurses once per dotted-key part and
// per nested array or inline table, and overflows the stack on a 62 KB line of
// `a.a.a.a...=1` or `x=[[[[...`. Pure; never fails on any input.
#pragma once

#include <optional>
#include <string_view>

#include "unit/diagnostic.hpp"

namespace sv::unit {

// Depth at a point = open '[' and '{' (outside strings and comments) + the
// parts of the dotted key being read there. Returns where that first exceeds
// `max_depth`, or nullopt.
std::optional<SourcePos> find_excess_nesting(std::string_view text, int max_depth);

}  // namespace sv::unit
