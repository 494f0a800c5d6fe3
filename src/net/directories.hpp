// The parent directory of a socket or symlink path, opened as an O_PATH directory fd by
// walking every component with O_NOFOLLOW, creating missing ones. Every later step works
// relative to that fd. Never follows a symlink, never changes an existing directory.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace sv::net {

struct SplitPath {
    std::string parent;  // "/run/app" ("/" for a top-level entry)
    std::string name;    // "app.sock"
};
SplitPath split_path(const std::string& absolute_path);

// Open the directory that contains `absolute_path` (O_PATH | O_DIRECTORY | O_CLOEXEC).
// A missing component is created with exactly `create_mode` (the umask is ignored) and
// sockvisord's own uid/gid, when `create_mode` is set; otherwise it is an error (ENOENT).
// A component that is a symlink is refused: following it would let whoever controls the
// link redirect where the socket and its chown/chmod land (docs/binding.md).
Result<Fd> open_parent_directory(const std::string& absolute_path,
                                 std::optional<mode_t> create_mode);

}  // namespace sv::net
