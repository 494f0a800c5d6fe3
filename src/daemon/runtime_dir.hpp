// The runtime directory: where relative socket paths, the control socket and the
// notify socket live. Chooses the default, creates it, and refuses one that
// another user could tamper with.
#pragma once

#include <string>

#include "base/result.hpp"

namespace sv::daemon {

// Create `dir` if missing (0755 for root, 0700 otherwise; parents must exist) and
// check it: a real directory (not a symlink), owned by our euid, not writable by
// group or others. Returns the absolute path.
Result<std::string> prepare_runtime_dir(const std::string& dir);

// Absolute form of a path the user typed (relative to the cwd), without touching disk.
std::string absolute_path(const std::string& path);

}  // namespace sv::daemon
