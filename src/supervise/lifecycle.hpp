// The lifecycle of one non-accept service as a pure table: step(spec, lifecycle, event, now)
// returns the next lifecycle and the actions the shell must apply (s6-supervise's
// actions[state][event]). It never makes a syscall, never reads a clock, never logs.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "supervise/restart_policy.hpp"
#include "unit/unit.hpp"

namespace sv::supervise {

// SPEC §4's seven states, the names `status` shows.
enum class State : std::uint8_t {
    listening,
    starting,
    running,
    stopping,
    backoff,
    failed,
    stopped
};
inline constexpr std::array kAllStates{State::listening, State::starting, State::running,
                                       State::stopping,  State::backoff,  State::failed,
                                       State::stopped};

enum class EventKind : std::uint8_t {
    activity,         // a connection or datagram is waiting on an armed listener
    start_request,    // `sockvisorctl start`, and the shell's start after binding
    stop_request,     // `sockvisorctl stop`
    restart_request,  // `sockvisorctl restart`
    shutdown,         // sockvisord is stopping, or the unit was removed by a reload
    spawned,          // fork+exec succeeded (the shell keeps the pid)
    spawn_failed,     // fork or exec failed: a failed start
    ready,            // READY=1 from the service
    exited,           // the main process exited (see ExitStatus)
    deadline,         // the unit's single pending timer fired; the state says which one
};
inline constexpr std::array kAllEvents{EventKind::activity,     EventKind::start_request,
                                       EventKind::stop_request, EventKind::restart_request,
                                       EventKind::shutdown,     EventKind::spawned,
                                       EventKind::spawn_failed, EventKind::ready,
                                       EventKind::exited,       EventKind::deadline};

// How the main process ended, as waitid() reports it.
struct ExitStatus {
    int code = 0;    // exit code when signal == 0
    int signal = 0;  // non-zero: killed by this signal
    // Only exit(0) is a success; any signal, even SIGTERM we did not send, is a failure.
    bool clean() const { return signal == 0 && code == 0; }
    bool operator==(const ExitStatus&) const = default;
};

struct Event {
    EventKind kind;
    ExitStatus exit{};  // EventKind::exited only

    static constexpr Event of(EventKind k) { return {k, {}}; }
    static constexpr Event exited_code(int code) { return {EventKind::exited, {code, 0}}; }
    static constexpr Event exited_signal(int sig) { return {EventKind::exited, {0, sig}}; }
};

enum class ActionKind : std::uint8_t {
    spawn,             // fork+exec the service, then report spawned or spawn_failed at once
    signal_group,      // send Action::signal to the service's process group
    kill_group,        // SIGKILL the service's process group
    arm_listeners,     // poll the listeners and report activity
    disarm_listeners,  // stop polling: the service owns them, or connections must wait
    set_deadline,      // (re)arm the unit's one timer at Action::deadline
    clear_deadline,    // cancel it
};
inline constexpr std::array kAllActionKinds{
    ActionKind::spawn,         ActionKind::signal_group,     ActionKind::kill_group,
    ActionKind::arm_listeners, ActionKind::disarm_listeners, ActionKind::set_deadline,
    ActionKind::clear_deadline};

struct Action {
    ActionKind kind;
    int signal = 0;        // signal_group
    TimePoint deadline{};  // set_deadline; may be <= now: fire it on the next loop turn

    static constexpr Action of(ActionKind k) { return {k, 0, {}}; }
    static constexpr Action signal_group(int sig) { return {ActionKind::signal_group, sig, {}}; }
    static constexpr Action set_deadline(TimePoint t) { return {ActionKind::set_deadline, 0, t}; }
    bool operator==(const Action&) const = default;
};

// A transition emits at most: disarm or arm, clear or set a deadline, one effect.
class Actions {
  public:
    static constexpr std::size_t kCapacity = 4;
    void push(Action a) {
        assert(count_ < kCapacity);
        items_[count_++] = a;
    }
    const Action* begin() const { return items_.data(); }
    const Action* end() const { return items_.data() + count_; }
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    const Action& operator[](std::size_t i) const { return items_[i]; }
    bool contains(ActionKind k) const;

  private:
    std::array<Action, kCapacity> items_{};
    std::size_t count_ = 0;
};

// Why a unit is in `stopping`: what happens once the process has exited.
enum class StopIntent : std::uint8_t {
    stop,      // sockvisorctl stop → stopped
    restart,   // sockvisorctl restart (or start while stopping) → spawn again
    shutdown,  // sockvisord exits or the unit is removed → stopped, for good
    failure,   // start_timeout: the exit is a failed start → restart policy
};

// Everything the table needs to remember about one unit. A plain value: copy it, compare it.
struct Lifecycle {
    State state = State::stopped;  // the shell sends start_request once the sockets are bound
    StopIntent intent = StopIntent::stop;  // stopping only
    bool spawned = false;                  // starting/running/stopping: spawned was reported
    bool killed = false;                   // stopping: SIGKILL sent, now only the exit is awaited
    bool shut_down = false;                // shutdown seen: nothing starts this unit again
    std::optional<TimePoint> deadline;     // the pending timer, if any
    TimePoint started_at{};                // when the last spawn succeeded (uptime, backoff reset)
    StartLimit start_limit;
    Backoff backoff;
    unsigned restarts = 0;  // automatic restarts (backoff over); not `sockvisorctl restart`

    bool operator==(const Lifecycle&) const = default;
};

struct Step {
    Lifecycle next;
    Actions actions;       // apply in order, in one set_state()
    std::string_view why;  // static text for the transition's log line
};

// The table. Unexpected events (ready while listening, a deadline that is not due...) return
// `current` unchanged with no actions. Contract for the shell: after applying spawn, report
// spawned or spawn_failed before any other event of this unit.
Step step(const unit::ServiceSpec& spec, const Lifecycle& current, const Event& event,
          TimePoint now);

// starting, running, stopping: a process (group) may exist, so the unit is not done yet.
bool has_process(State s);

std::string_view to_string(State s);
std::string_view to_string(EventKind e);
std::string_view to_string(ActionKind a);
std::string_view to_string(StopIntent i);
std::string to_string(const Event& e);  // "exited (code 1)", "exited (signal 9)", "ready"

}  // namespace sv::supervise
