// Diagnostic: a user's mistake in a unit file (error tier (a)). Collected, never
// thrown; rendered exactly as FILE:LINE:COLUMN: message.
#pragma once

#include <string>
#include <vector>

namespace sv::unit {

struct SourcePos {
    int line = 0;    // 1-based; 0 when the problem concerns the whole file
    int column = 0;  // 1-based
};

struct Diagnostic {
    std::string file;
    SourcePos pos;
    std::string message;

    // "units/web.toml:4:11: unknown key 'mdoe' in [[listen]]; did you mean 'mode'?"
    // A position of 0:0 renders as "FILE:1:1" so tools that jump to a location work.
    std::string render() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace sv::unit
