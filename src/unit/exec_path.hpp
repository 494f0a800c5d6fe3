// Resolving a bare exec[0] ("gunicorn") against PATH at load time, as execvp
// would at start time, so that a missing program is a load error and the
// spawner always execs an absolute path. Reads the filesystem; changes nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sv::unit {

// The first DIR/name in `path_env` (colon-separated) that is a regular file
// executable by the caller. Empty and relative PATH entries are skipped: they
// would depend on sockvisord's working directory.
std::optional<std::string> find_in_path(std::string_view name, std::string_view path_env);

}  // namespace sv::unit
