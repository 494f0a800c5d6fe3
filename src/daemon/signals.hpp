// The daemon's signals arrive as data through a signalfd, never as handlers
// interrupting the loop. Owns the blocked set; children get it reset by the spawner.
#pragma once

#include <signal.h>
#include <sys/signalfd.h>

#include <optional>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace sv::daemon {

class SignalSource {
  public:
    // Blocks SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT and ignores SIGPIPE for the
    // whole process, then opens a signalfd for the blocked ones.
    static Result<SignalSource> open();

    int fd() const { return fd_.get(); }
    // Next pending signal, or nullopt when drained (the fd is non-blocking).
    std::optional<signalfd_siginfo> next();

  private:
    explicit SignalSource(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace sv::daemon
