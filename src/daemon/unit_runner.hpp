// UnitRunner: one unit at run time — its bound listeners and (later) its service.
// The shell around the pure lifecycle: it applies actions and logs transitions.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "daemon/event_loop.hpp"
#include "net/listener.hpp"
#include "unit/unit.hpp"

namespace sv::daemon {

class UnitRunner {
public:
    UnitRunner(EventLoop& loop, unit::Unit unit);
    ~UnitRunner();

    const std::string& name() const { return unit_.name; }
    const unit::Unit& unit() const { return unit_; }
    bool failed() const { return failed_; }

    // Bind every [[listen]]; on the first failure release what was bound and
    // return the error (the unit is then `failed`).
    Status bind();
    // Close every socket, unlinking per remove_on_stop.
    void release();

private:
    EventLoop& loop_;
    unit::Unit unit_;
    std::vector<net::BoundListener> listeners_;
    bool failed_ = false;
};

}  // namespace sv::daemon
