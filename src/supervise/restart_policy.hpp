// Restart pacing for one unit: the backoff delay and the start limit, as small values
// with pure arithmetic over ServiceSpec and time points. It never decides a state (lifecycle
// and instance_pool do), never reads a clock and never makes a syscall.
#pragma once

#include <chrono>
#include <optional>

#include "base/duration.hpp"
#include "unit/unit.hpp"

namespace sv::supervise {

// Monotonic time: a wall-clock jump must not shorten a restart delay or a stop timeout.
// Every function takes `now`; nothing in supervise/ reads a clock.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// start_limit_burst / start_limit_interval, with systemd's RateLimit semantics: a window
// opens at the first start; within start_limit_interval of that, at most start_limit_burst
// starts are admitted; the first start after the window closes opens a new one. O(1) state
// whatever the burst, and the behaviour users of StartLimitBurst= already know.
struct StartLimit {
    std::optional<TimePoint> window_begin;
    int starts = 0;  // admitted in the current window

    // Records a start at `now` and returns true, or returns false (recording nothing) when it
    // would be more than start_limit_burst starts in the window. burst <= 0 or interval == 0
    // disables the limit, as in systemd.
    bool admit(const unit::ServiceSpec& spec, TimePoint now);
    void reset() { *this = {}; }

    bool operator==(const StartLimit&) const = default;
};

// restart_delay doubling on each consecutive restart up to restart_delay_max; back to
// restart_delay once the service stayed up for start_limit_interval.
struct Backoff {
    unsigned consecutive = 0;  // restarts since the last reset

    // The delay before the next restart of a service that ran for `uptime` (0 when it never
    // started: spawn failure, start timeout). Counts this restart.
    Duration next(const unit::ServiceSpec& spec, Duration uptime);
    void reset() { consecutive = 0; }

    bool operator==(const Backoff&) const = default;
};

// restart_delay * 2^consecutive, capped at restart_delay_max. When restart_delay is already
// above restart_delay_max the first delay wins (the max bounds the doubling, it does not
// shorten what the user asked for first). Saturates; never overflows.
Duration backoff_delay(const unit::ServiceSpec& spec, unsigned consecutive);

}  // namespace sv::supervise
