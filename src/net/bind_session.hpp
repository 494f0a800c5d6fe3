// What binding many pathname sockets in a row may share: sockvisord's own credentials
// and each parent directory, opened (without following symlinks) and inspected once.
// Why: at 10,000 units these were 7 of the ~25 system calls per unit at start-up,
// and on a paravirtualised host each system call costs a few microseconds.
//
// A session lives for one start-up or one reload (Supervisor), never longer, so a
// directory replaced afterwards is opened afresh by the next one and sockvisord holds
// no directory fd while idle. Sharing a directory fd is as safe as opening it per
// socket: bind() resolves the absolute path either way, and each bind is verified
// against the name inside this directory fd (unix_path_binder.cpp), so a directory
// swapped in between makes that bind fail rather than land somewhere unchecked.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "net/creation_plan.hpp"

namespace sv::net {

class BindSession {
  public:
    struct Directory {
        Fd fd;  // O_PATH | O_DIRECTORY
        DirectoryFacts facts;
    };

    // sockvisord's ids, read on first use. (sockvisord never changes its own ids; a
    // process that does, like a test's forked child, starts a new session.)
    const Credentials& credentials();

    // The directory holding `absolute_path`, opened by open_parent_directory() (which
    // creates missing components with `create_mode` when set) on first use. Errors
    // are not remembered: the next socket in the same directory tries again. The
    // pointer is valid until the next call (which may start the cache over).
    Result<const Directory*> parent_directory(const std::string& absolute_path,
                                              std::optional<mode_t> create_mode);

    // Close every cached directory; true if there was one. bind_listener() calls it
    // and tries again when a bind runs out of fds (EMFILE, ENFILE), so the cache
    // never costs a socket under a tight RLIMIT_NOFILE.
    bool release();

  private:
    // Units usually share a handful of directories; past this many distinct ones the
    // cache starts over, so a session never holds more than this many fds.
    static constexpr std::size_t kMaxDirectories = 16;

    std::optional<Credentials> credentials_;
    std::unordered_map<std::string, Directory> directories_;  // by parent path
};

}  // namespace sv::net
