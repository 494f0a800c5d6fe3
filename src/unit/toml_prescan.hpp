// A cheap pass over TOML text, before toml++ sees it, that rejects the inputs
// toml++ 3.3.0 (Debian 12) cannot parse safely. Pure; never fails on any input.
//
// * Nesting deeper than a bound: toml++ recurses once per dotted-key part and per
//   nested array or inline table, and overflows the stack on a 62 KB line of
//   `a.a.a.a...=1` or `x=[[[[...`.
// * A non-ASCII character outside strings and comments (TOML 1.0 allows none
//   there: `x = é`, `é = 1`): toml++'s is_non_ascii_horizontal_whitespace()
//   reaches TOML_UNREACHABLE, i.e. __builtin_unreachable(), undefined behaviour,
//   for most code points (docs/security.md, finding F2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "unit/diagnostic.hpp"

namespace sv::unit {

struct PrescanFinding {
    SourcePos pos;
    std::string message;  // lower case, no trailing period, as every loader message
};

// Depth at a point = open '[' and '{' (outside strings and comments) + the parts
// of the dotted key being read there; the first point past `max_depth` or the
// first non-ASCII byte outside strings and comments, whichever comes first.
// nullopt: toml++ may parse the text.
std::optional<PrescanFinding> prescan_toml(std::string_view text, int max_depth);

}  // namespace sv::unit
