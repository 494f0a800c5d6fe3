// Reading a small file (procfs mostly) without iostreams: libstdc++'s filebuf
// throws std::ios_base::failure when read(2) fails, which it does for
// /proc/PID/... of a process that exits while we read (ESRCH) or for a directory
// (EISDIR). In the daemon that exception would end sockvisord (any local user can
// make a notify sender that exits at once), so every such read goes through here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace sv {

// The first `limit` bytes of `path`, or nullopt if it cannot be opened or read.
std::optional<std::string> read_small_file(const std::string& path, std::size_t limit = 1 << 20);

}  // namespace sv
