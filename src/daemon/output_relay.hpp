// OutputRelay: a unit's stdout or stderr when it is "log". One pipe per unit and
// stream, shared by every process of the unit; sockvisord keeps the write end so
// the pipe outlives restarts, and logs each line as `NAME| line`.
#pragma once

#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "daemon/event_loop.hpp"
#include "supervise/line_buffer.hpp"

namespace sv::daemon {

class OutputRelay {
  public:
    OutputRelay(EventLoop& loop, std::string unit_name)
        : loop_(loop), name_(std::move(unit_name)) {}
    ~OutputRelay();
    OutputRelay(const OutputRelay&) = delete;
    OutputRelay& operator=(const OutputRelay&) = delete;

    // The write end to hand to a child (created on first use).
    Result<int> writer();

  private:
    void drain();

    EventLoop& loop_;
    std::string name_;
    Fd read_, write_;
    supervise::LineBuffer lines_;
};

}  // namespace sv::daemon
