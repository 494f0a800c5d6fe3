// Accept-mode (inetd-style, accept = true) units: how many instances run, whether the daemon
// keeps accepting, and what start/stop/shutdown mean for a set of independent instances.
// Pure like lifecycle: the shell does accept4, spawn and kill and reports back; no syscalls.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "supervise/lifecycle.hpp"

namespace sv::supervise {

// After accept4 fails with EMFILE/ENFILE, how long to stop accepting when no instance of this
// unit exits first. The listener stays readable (level-triggered), so polling it on would spin
// the loop at 100% CPU; accept-then-close would drop the connection (SPEC §2.2 forbids both).
// An instance exit frees the daemon's fds for it (log pipe) and resumes at once; fds
// freed elsewhere (another unit, another process for ENFILE) are noticed by this retry.
// 250 ms: at most 4 wakeups a second per starved unit, and a backlog that waits at most a
// quarter of a second longer than needed once fds are available again.
inline constexpr Duration kFdExhaustedRetry{250};

enum class PoolEventKind : std::uint8_t {
    start_request,     // `sockvisorctl start`, and the shell's start after binding
    stop_request,      // `sockvisorctl stop`
    restart_request,   // `sockvisorctl restart`: stop every instance, then accept again
    shutdown,          // sockvisord is stopping, or the unit was removed by a reload
    instance_spawned,  // accept4 returned a connection and its instance was spawned
    spawn_failed,      // accept4 returned a connection but fork/exec failed (it was closed)
    instance_exited,   // one instance's main process exited
    fds_exhausted,     // accept4 failed with EMFILE or ENFILE
    deadline,          // the unit's single timer fired (a pause ended, or stop_timeout)
};
inline constexpr std::array kAllPoolEvents{
    PoolEventKind::start_request,   PoolEventKind::stop_request,     PoolEventKind::restart_request,
    PoolEventKind::shutdown,        PoolEventKind::instance_spawned, PoolEventKind::spawn_failed,
    PoolEventKind::instance_exited, PoolEventKind::fds_exhausted,    PoolEventKind::deadline};

// Why accepting is paused while the unit is up (the max_connections limit is not a pause: it
// is derived from `active` and lifts by itself on the next instance exit).
enum class Pause : std::uint8_t {
    none,
    fds,            // EMFILE/ENFILE: until an instance exits or kFdExhaustedRetry
    spawn_backoff,  // fork/exec failed: restart_delay, doubling while it keeps failing
};

struct Pool {
    // listening (no instance), running (>= 1), stopping, stopped, failed. Never starting or
    // backoff: an instance is running once spawned (ready and start_timeout do not apply).
    State state = State::stopped;
    long active = 0;  // live instances
    Pause pause = Pause::none;
    StopIntent intent = StopIntent::stop;  // stopping only: stop, restart or shutdown
    bool killed = false;                   // stopping: SIGKILL sent to every instance group
    bool shut_down = false;
    std::optional<TimePoint> deadline;
    StartLimit spawn_failures;   // start_limit_* counts failed spawns only
    Backoff spawn_backoff;       // restart_delay* paces accepting after failed spawns
    unsigned long accepted = 0;  // instances spawned in total, for status

    bool operator==(const Pool&) const = default;
};

struct PoolStep {
    Pool next;
    Actions actions;  // arm/disarm_listeners, set/clear_deadline, signal_group, kill_group
    std::string_view why;
};

// The accept-mode table. signal_group/kill_group mean every live instance's process group.
// No spawn action: the shell spawns an instance for each connection it accepts while
// accepting() is true, and reports instance_spawned or spawn_failed before the next accept4.
PoolStep pool_step(const unit::ServiceSpec& spec, const Pool& current, PoolEventKind event,
                   TimePoint now);

// Whether the shell may call accept4 now (check before each one when draining a backlog).
bool accepting(const unit::ServiceSpec& spec, const Pool& pool);

std::string_view to_string(PoolEventKind e);
std::string_view to_string(Pause p);

}  // namespace sv::supervise
