// Readiness messages to sockvisord's own parent (READY=1, RELOADING=1, STOPPING=1,
// STATUS=) on $NOTIFY_SOCKET. Never blocks: libsystemd's sd_notify() sends with a
// blocking sendmsg, and a parent that does not drain its socket (the datagram
// queue holds net.unix.max_dgram_qlen messages, 10 by default) would freeze the
// single-threaded daemon — control, signals, restarts — for good. A message that
// cannot be queued at once is dropped and reported.
#pragma once

#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace sv::daemon {

class ParentNotifier {
  public:
    // Reads and unsets NOTIFY_SOCKET (children must not inherit it: they get ours).
    // Without it every send is a no-op.
    static ParentNotifier from_environment();

    // Sends one message ("READY=1\nSTATUS=..."); an error only when it could not
    // be queued (EAGAIN: the parent is not reading; or the socket is gone).
    Status send(const std::string& message);
    bool enabled() const { return fd_.valid(); }

  private:
    ParentNotifier() = default;
    Fd fd_;
    std::string path_;  // as given; '@' for abstract
};

}  // namespace sv::daemon
