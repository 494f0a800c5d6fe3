// The overwrite policy: what to do with whatever already exists where a socket (or a
// symlink) is about to be created. Works only relative to an O_PATH directory fd and
// never follows a symlink; removes at most the one entry it examined.
#pragma once

#include <string>

#include "base/result.hpp"
#include "unit/unit.hpp"

namespace sv::net {

// "a regular file", "a directory", "a symbolic link to '/etc/passwd'", "a FIFO", ...
std::string describe_entry(int dirfd, const std::string& name);

// Make room for a new entry `name` in `dirfd` (displayed as `path`) under `policy`:
// what was removed ("" when nothing was there, "a stale socket" under "stale", what
// describe_entry() said under "always", e.g. "a regular file"), or an error that says
// what is there. `type` is the socket type used for the liveness probe.
//   stale:  remove only a socket nobody listens on (connect probe → ECONNREFUSED).
//   leave:  anything existing is an error.
//   always: remove a regular file, socket, symlink or FIFO; never a directory or device.
Result<std::string> clear_existing_entry(int dirfd, const std::string& name,
                                         const std::string& path, unit::SocketType type,
                                         unit::Overwrite policy);

}  // namespace sv::net
