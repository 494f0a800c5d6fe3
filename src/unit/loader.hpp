// The unit loader: TOML text → validated Unit, or every Diagnostic found. Pure
// apart from reading the files and NSS/PATH lookups; binds and starts nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "unit/diagnostic.hpp"
#include "unit/unit.hpp"

namespace sv::unit {

struct LoadContext {
    std::string runtime_dir;  // absolute; relative addresses and symlinks join it
    std::string path_env;     // PATH used to resolve a relative exec[0]
};

struct LoadResult {
    std::vector<Unit> units;  // the valid ones
    Diagnostics diagnostics;  // every problem in every file
    std::vector<std::string> failed_files;  // files that produced at least one diagnostic
};

// Parse one unit from text (`file` is used in messages and for the unit name:
// the base name without ".toml").
std::optional<Unit> parse_unit(const std::string& file, const std::string& text,
                               const LoadContext& ctx, Diagnostics& out);

// Read one file (refusing files over limits::kMaxUnitFileBytes before parsing).
std::optional<Unit> load_unit_file(const std::string& file, const LoadContext& ctx,
                                   Diagnostics& out);

// Every *.toml in each directory (sorted by name), then cross-unit checks: the
// same address declared twice (in one unit or across units) is an error on each
// later declaration, and the later unit is rejected.
LoadResult load_directories(const std::vector<std::string>& dirs, const LoadContext& ctx);

// Cross-unit checks alone, for units built elsewhere (inline mode): appends
// diagnostics and removes the rejected units.
void check_unique_addresses(std::vector<Unit>& units, Diagnostics& out,
                            std::vector<std::string>& failed_files);

}  // namespace sv::unit
