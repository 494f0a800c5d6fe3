// The public face of src/net: bind one declared [[listen]] socket safely, release it,
// recognise an inherited one, describe one for logs. Errors are returned, never logged;
// nothing here keeps global state beyond the duration of one call (or of the
// BindSession the caller holds).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "net/bind_session.hpp"
#include "unit/unit.hpp"

namespace sv::net {

struct BoundListener {
    Fd fd;                  // close-on-exec, bound, listening for stream/seqpacket
    unit::ListenSpec spec;  // what was declared
    dev_t dev = 0;          // the socket inode created at the path (pathname only)
    ino_t ino = 0;
    std::vector<std::string> symlinks_created;
    bool adopted = false;  // came from an inherited fd (LISTEN_FDS), not bound by us
    // What bind removed at the path to make room (pathname only), for the log line:
    // "a stale socket" (overwrite = "stale"), or under overwrite = "always" what was
    // there, e.g. "a regular file", "a socket", "a symbolic link to '/x'". Empty when
    // the path was free.
    std::string replaced;
};

// Bind one declared listener. Blocking mode (no O_NONBLOCK) — services expect blocking
// listeners, as systemd hands them. Errors are returned, never logged. Binding many
// in a row (start-up, reload) passes one BindSession to all of them.
Result<BoundListener> bind_listener(const unit::ListenSpec& spec, BindSession& session);
Result<BoundListener> bind_listener(const unit::ListenSpec& spec);  // a session of its own

// Close it and, when `unlink_paths` and spec.remove_on_stop, unlink the socket file and
// symlinks — but only if the inode at the path is still the one we created (dev/ino),
// never someone else's. Adopted listeners never unlink anything: the path belongs to
// whoever bound it (e.g. systemd's socket unit).
void release_listener(BoundListener& listener, bool unlink_paths);

// Does an inherited fd (already a socket) match this declared listener by address and
// type? Stream and seqpacket sockets must also be listening.
bool matches(int fd, const unit::ListenSpec& spec);

// Wrap an inherited fd that matches() `spec` (adopted = true; dev/ino of its path filled
// in when the kernel reports one, for information only).
BoundListener adopt_listener(Fd fd, const unit::ListenSpec& spec);

// Human summary for logs: "/run/x.sock stream 0660 root:www-data" / "tcp://127.0.0.1:80 stream".
// Resolves sockvisord's own uid/gid to names once per process (cached), not per call.
std::string describe(const unit::ListenSpec& spec);

}  // namespace sv::net
