// Backoff and start-limit arithmetic. Pure: see restart_policy.hpp.
#include "supervise/restart_policy.hpp"

#include <algorithm>

namespace sv::supervise {

bool StartLimit::admit(const unit::ServiceSpec& spec, TimePoint now) {
    if (spec.start_limit_burst <= 0 || spec.start_limit_interval <= Duration::zero()) return true;
    if (!window_begin || now - *window_begin >= spec.start_limit_interval) {
        window_begin = now;
        starts = 0;
    }
    if (starts >= spec.start_limit_burst) return false;
    ++starts;
    return true;
}

Duration backoff_delay(const unit::ServiceSpec& spec, unsigned consecutive) {
    Duration delay = std::max(spec.restart_delay, Duration::zero());
    const Duration cap = std::max(delay, spec.restart_delay_max);
    // Doubling stops at the cap (at most ~27 rounds for a day in ms), so no overflow.
    for (unsigned i = 0; i < consecutive && delay < cap; ++i) delay = std::min(delay * 2, cap);
    return delay;
}

Duration Backoff::next(const unit::ServiceSpec& spec, Duration uptime) {
    // "Stayed up" is measured from the spawn: a service that ran a full start_limit_interval
    // was healthy, so its next crash is a first crash again.
    if (uptime >= spec.start_limit_interval) consecutive = 0;
    Duration delay = backoff_delay(spec, consecutive);
    if (consecutive < 64) ++consecutive;  // past the cap more rounds change nothing
    return delay;
}

}  // namespace sv::supervise
