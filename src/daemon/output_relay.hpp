// OutputRelay: one process's stdout or stderr when it is "log". A pipe per
// process and stream, so that a partial last line is flushed at that process's
// EOF instead of being glued to the next process's first line; each line is
// logged as `NAME| line`.
#pragma once

#include <memory>
#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "daemon/event_loop.hpp"
#include "supervise/line_buffer.hpp"

namespace sv::daemon {

class OutputRelay {
  public:
    // Creates the pipe and watches its read end.
    static Result<std::unique_ptr<OutputRelay>> open(EventLoop& loop, std::string unit_name);
    ~OutputRelay();
    OutputRelay(const OutputRelay&) = delete;
    OutputRelay& operator=(const OutputRelay&) = delete;

    // The write end for the child's plan; close it once the child is spawned, so
    // that EOF comes when the child (and whatever inherited it) is gone.
    int writer() const { return write_.get(); }
    void close_writer() { write_.reset(); }
    // EOF seen: every line was logged; the owner may destroy the relay.
    bool finished() const { return finished_; }

  private:
    OutputRelay(EventLoop& loop, std::string name, Fd read, Fd write)
        : loop_(loop), name_(std::move(name)), read_(std::move(read)), write_(std::move(write)) {}
    void drain();
    void finish();

    EventLoop& loop_;
    std::string name_;
    Fd read_, write_;
    supervise::LineBuffer lines_;
    bool finished_ = false;
};

}  // namespace sv::daemon
