// The lifecycle table. One handler per state, each a switch over every event (-Wswitch-enum
// makes a new event a compile error until every state has decided what it means). The
// listener and deadline actions are derived from the difference between the old and the new
// Lifecycle, so no handler can forget to disarm or to cancel a timer. Pure: no syscalls.
#include "supervise/lifecycle.hpp"

namespace sv::supervise {

bool Actions::contains(ActionKind k) const {
    for (const Action& a : *this)
        if (a.kind == k) return true;
    return false;
}

namespace {

using unit::RestartPolicy;
using unit::ServiceSpec;

// One transition being computed: the working copy, the effect, the reason.
struct Ctx {
    const ServiceSpec& spec;
    TimePoint now;
    Lifecycle lc;
    std::optional<Action> effect;  // spawn, signal_group or kill_group
    std::string_view why;
    bool changed = true;  // false: a no-op, return the input untouched
};

void noop(Ctx& c, std::string_view why) {
    c.changed = false;
    c.why = why;
}

// Every spawn goes through the start limit, whatever asked for it.
void start(Ctx& c, bool is_restart, std::string_view why) {
    if (!c.lc.start_limit.admit(c.spec, c.now)) {
        // Sockets stay bound, listeners stay disarmed: connections wait in the backlog until
        // `sockvisorctl start` clears the state (SPEC §2.2 start_limit_burst).
        c.lc.state = State::failed;
        c.lc.deadline.reset();
        c.why = "start limit hit";
        return;
    }
    c.lc.state = State::starting;
    c.lc.spawned = false;
    c.lc.killed = false;
    c.lc.deadline.reset();
    if (is_restart) ++c.lc.restarts;
    c.effect = Action::of(ActionKind::spawn);
    c.why = why;
}

// `sockvisorctl start` (and restart from a state without a process): the operator's word
// clears `failed` and forgets the crash history, then arms; eager units start at once.
void operator_start(Ctx& c, std::string_view why) {
    c.lc.start_limit.reset();
    c.lc.backoff.reset();
    c.lc.deadline.reset();
    if (c.spec.start == unit::StartMode::eager) return start(c, false, why);
    c.lc.state = State::listening;
    c.why = why;
}

void to_stopped(Ctx& c, std::string_view why) {
    c.lc.state = State::stopped;
    c.lc.deadline.reset();
    c.why = why;
}

void begin_stop(Ctx& c, StopIntent intent, std::string_view why) {
    c.lc.state = State::stopping;
    c.lc.intent = intent;
    c.lc.killed = false;
    if (intent == StopIntent::shutdown) c.lc.shut_down = true;
    c.lc.deadline = c.now + c.spec.stop_timeout;
    c.effect = Action::signal_group(c.spec.stop_signal);
    c.why = why;
}

Duration uptime(const Ctx& c) {
    return c.lc.spawned ? std::chrono::duration_cast<Duration>(c.now - c.lc.started_at)
                        : Duration::zero();
}

// The process ended on its own (or never started): apply `restart`.
void after_exit(Ctx& c, bool failure, Duration up) {
    const RestartPolicy p = c.spec.restart;
    bool restart = false;
    switch (p) {
        case RestartPolicy::always:
            restart = true;
            break;
        case RestartPolicy::on_failure:
            restart = failure;
            break;
        case RestartPolicy::no:
            restart = false;
            break;
    }
    c.lc.spawned = false;
    if (restart) {
        // Any exit that leads to a restart counts for the doubling, even a clean one under
        // restart=always: a service exiting 0 at once in a loop is a crash loop all the same.
        c.lc.state = State::backoff;
        c.lc.deadline = c.now + c.lc.backoff.next(c.spec, up);
        c.why = failure ? "failed; restarting after the delay" : "exited; restart=always";
        return;
    }
    // Back to listening, re-armed, eager units too: the next connection starts the service
    // again (socket activation), and the start limit bounds a loop of failing starts.
    c.lc.backoff.reset();
    c.lc.state = State::listening;
    c.lc.deadline.reset();
    c.why = failure ? "failed; restart policy says no restart, listening" : "exited; listening";
}

// The process is gone while stopping: do what the stop was for.
void finish_stop(Ctx& c) {
    c.lc.spawned = false;
    c.lc.killed = false;
    switch (c.lc.intent) {
        case StopIntent::stop:
            return to_stopped(c, "stopped");
        case StopIntent::shutdown:
            return to_stopped(c, "stopped for shutdown");
        case StopIntent::restart:
            // The operator's restart is not one of "the restarts sockvisord made on its
            // own" that status counts (like systemd's NRestarts).
            return start(c, false, "restarting");
        case StopIntent::failure:
            return after_exit(c, true, Duration::zero());
    }
}

void on_listening(Ctx& c, const Event& e) {
    switch (e.kind) {
        case EventKind::activity:
            return start(c, false, "activity on a listener");
        case EventKind::start_request:
        case EventKind::restart_request:
            if (c.spec.start == unit::StartMode::eager) return operator_start(c, "start requested");
            return noop(c, "already listening");
        case EventKind::stop_request:
            return to_stopped(c, "stop requested");
        case EventKind::shutdown:
            c.lc.shut_down = true;
            return to_stopped(c, "shutdown");
        case EventKind::spawned:
        case EventKind::spawn_failed:
        case EventKind::ready:
        case EventKind::exited:
        case EventKind::deadline:
            return noop(c, "no process while listening");
    }
}

void on_starting(Ctx& c, const Event& e) {
    switch (e.kind) {
        case EventKind::activity:
        case EventKind::start_request:
            return noop(c, "already starting");
        case EventKind::stop_request:
            return begin_stop(c, StopIntent::stop, "stop requested");
        case EventKind::restart_request:
            return begin_stop(c, StopIntent::restart, "restart requested");
        case EventKind::shutdown:
            return begin_stop(c, StopIntent::shutdown, "shutdown");
        case EventKind::spawned:
            if (c.lc.spawned) return noop(c, "already spawned");
            c.lc.spawned = true;
            c.lc.started_at = c.now;
            if (c.spec.ready == unit::Ready::started) {
                c.lc.state = State::running;
                c.why = "started";
                return;
            }
            c.lc.deadline = c.now + c.spec.start_timeout;
            c.why = "spawned; waiting for READY=1";
            return;
        case EventKind::spawn_failed:
            if (c.lc.spawned) return noop(c, "already spawned");
            return after_exit(c, true, Duration::zero());
        case EventKind::ready:
            // ready=started units ignore READY=1: they are running as soon as spawned.
            if (!c.lc.spawned || c.spec.ready != unit::Ready::notify)
                return noop(c, "READY=1 not awaited");
            c.lc.state = State::running;
            c.lc.deadline.reset();
            c.why = "READY=1";
            return;
        case EventKind::exited:
            // Exiting before READY=1 is judged by its status like any exit.
            return after_exit(c, !e.exit.clean(), uptime(c));
        case EventKind::deadline:
            // start_timeout (SPEC §2.2): stop it, and its exit is a failed start.
            return begin_stop(c, StopIntent::failure, "no READY=1 within start_timeout");
    }
}

void on_running(Ctx& c, const Event& e) {
    switch (e.kind) {
        case EventKind::stop_request:
            return begin_stop(c, StopIntent::stop, "stop requested");
        case EventKind::restart_request:
            return begin_stop(c, StopIntent::restart, "restart requested");
        case EventKind::shutdown:
            return begin_stop(c, StopIntent::shutdown, "shutdown");
        case EventKind::exited:
            return after_exit(c, !e.exit.clean(), uptime(c));
        case EventKind::activity:
        case EventKind::start_request:
        case EventKind::spawned:
        case EventKind::spawn_failed:
        case EventKind::ready:  // e.g. READY=1 again after RELOADING=1
        case EventKind::deadline:
            return noop(c, "already running");
    }
}

void on_stopping(Ctx& c, const Event& e) {
    switch (e.kind) {
        case EventKind::start_request:
        case EventKind::restart_request:
            // A start or restart while a stop is under way: start again once it has exited.
            if (c.lc.intent == StopIntent::stop || c.lc.intent == StopIntent::failure) {
                c.lc.intent = StopIntent::restart;
                c.why = "will start again after exit";
                return;
            }
            return noop(c, "already stopping");
        case EventKind::stop_request:
            if (c.lc.intent == StopIntent::restart || c.lc.intent == StopIntent::failure) {
                c.lc.intent = StopIntent::stop;
                c.why = "will stay stopped after exit";
                return;
            }
            return noop(c, "already stopping");
        case EventKind::shutdown:
            if (c.lc.intent == StopIntent::shutdown) return noop(c, "already stopping");
            c.lc.intent = StopIntent::shutdown;
            c.lc.shut_down = true;
            c.why = "shutdown";
            return;
        case EventKind::exited:
        case EventKind::spawn_failed:  // the spawn we were waiting on never produced a process
            return finish_stop(c);
        case EventKind::deadline:
            // stop_timeout: SIGKILL the group. No further timer: the kernel delivers SIGKILL,
            // so the exit follows (a process stuck in D state would not be helped by one).
            if (c.lc.killed) return noop(c, "already killed");
            c.lc.killed = true;
            c.effect = Action::of(ActionKind::kill_group);
            c.why = "stop_timeout; SIGKILL";
            return;
        case EventKind::activity:
        case EventKind::spawned:
        case EventKind::ready:
            return noop(c, "stopping");
    }
}

void on_backoff(Ctx& c, const Event& e) {
    switch (e.kind) {
        case EventKind::deadline:
            return start(c, true, "restart delay over");
        case EventKind::start_request:
        case EventKind::restart_request:
            return operator_start(c, "start requested");
        case EventKind::stop_request:
            return to_stopped(c, "stop requested");
        case EventKind::shutdown:
            c.lc.shut_down = true;
            return to_stopped(c, "shutdown");
        case EventKind::activity:  // listeners are disarmed: a stale report
        case EventKind::spawned:
        case EventKind::spawn_failed:
        case EventKind::ready:
        case EventKind::exited:
            return noop(c, "waiting out the restart delay");
    }
}

void on_failed(Ctx& c, const Event& e) {
    switch (e.kind) {
        case EventKind::start_request:
        case EventKind::restart_request:
            return operator_start(c, "start requested; clears failed");
        case EventKind::stop_request:
            return to_stopped(c, "stop requested");
        case EventKind::shutdown:
            c.lc.shut_down = true;
            return to_stopped(c, "shutdown");
        case EventKind::activity:
        case EventKind::spawned:
        case EventKind::spawn_failed:
        case EventKind::ready:
        case EventKind::exited:
        case EventKind::deadline:
            return noop(c, "failed; waiting for start");
    }
}

void on_stopped(Ctx& c, const Event& e) {
    switch (e.kind) {
        case EventKind::start_request:
        case EventKind::restart_request:
            if (c.lc.shut_down) return noop(c, "shutting down");
            return operator_start(c, "start requested");
        case EventKind::shutdown:
            if (c.lc.shut_down) return noop(c, "already shut down");
            // Only memory changes (no action): nothing may start this unit any more.
            c.lc.shut_down = true;
            c.why = "shutdown";
            return;
        case EventKind::activity:
        case EventKind::stop_request:
        case EventKind::spawned:
        case EventKind::spawn_failed:
        case EventKind::ready:
        case EventKind::exited:
        case EventKind::deadline:
            return noop(c, "stopped");
    }
}

}  // namespace

Step step(const ServiceSpec& spec, const Lifecycle& current, const Event& event, TimePoint now) {
    Lifecycle base = current;
    if (event.kind == EventKind::deadline) {
        // A timer that is not pending or not yet due (a stale timerfd wakeup) changes nothing.
        if (!base.deadline || now < *base.deadline) return {current, {}, "no deadline due"};
        base.deadline.reset();  // consumed by firing: nothing to clear
    }
    Ctx c{spec, now, base, std::nullopt, {}, true};
    switch (base.state) {
        case State::listening:
            on_listening(c, event);
            break;
        case State::starting:
            on_starting(c, event);
            break;
        case State::running:
            on_running(c, event);
            break;
        case State::stopping:
            on_stopping(c, event);
            break;
        case State::backoff:
            on_backoff(c, event);
            break;
        case State::failed:
            on_failed(c, event);
            break;
        case State::stopped:
            on_stopped(c, event);
            break;
    }
    if (!c.changed) return {current, {}, c.why};

    // Derived actions: listeners are armed exactly in `listening`; one timer per unit.
    const Lifecycle& next = c.lc;
    Actions out;
    if (base.state == State::listening && next.state != State::listening)
        out.push(Action::of(ActionKind::disarm_listeners));
    if (base.deadline && !next.deadline) out.push(Action::of(ActionKind::clear_deadline));
    if (c.effect) out.push(*c.effect);
    if (next.deadline && next.deadline != base.deadline)
        out.push(Action::set_deadline(*next.deadline));
    if (next.state == State::listening && base.state != State::listening)
        out.push(Action::of(ActionKind::arm_listeners));
    return {next, out, c.why};
}

bool has_process(State s) {
    switch (s) {
        case State::starting:
        case State::running:
        case State::stopping:
            return true;
        case State::listening:
        case State::backoff:
        case State::failed:
        case State::stopped:
            return false;
    }
    return false;
}

std::string_view to_string(State s) {
    switch (s) {
        case State::listening:
            return "listening";
        case State::starting:
            return "starting";
        case State::running:
            return "running";
        case State::stopping:
            return "stopping";
        case State::backoff:
            return "backoff";
        case State::failed:
            return "failed";
        case State::stopped:
            return "stopped";
    }
    return "?";
}

std::string_view to_string(EventKind e) {
    switch (e) {
        case EventKind::activity:
            return "activity";
        case EventKind::start_request:
            return "start";
        case EventKind::stop_request:
            return "stop";
        case EventKind::restart_request:
            return "restart";
        case EventKind::shutdown:
            return "shutdown";
        case EventKind::spawned:
            return "spawned";
        case EventKind::spawn_failed:
            return "spawn failed";
        case EventKind::ready:
            return "ready";
        case EventKind::exited:
            return "exited";
        case EventKind::deadline:
            return "deadline";
    }
    return "?";
}

std::string_view to_string(ActionKind a) {
    switch (a) {
        case ActionKind::spawn:
            return "spawn";
        case ActionKind::signal_group:
            return "signal group";
        case ActionKind::kill_group:
            return "kill group";
        case ActionKind::arm_listeners:
            return "arm listeners";
        case ActionKind::disarm_listeners:
            return "disarm listeners";
        case ActionKind::set_deadline:
            return "set deadline";
        case ActionKind::clear_deadline:
            return "clear deadline";
    }
    return "?";
}

std::string_view to_string(StopIntent i) {
    switch (i) {
        case StopIntent::stop:
            return "stop";
        case StopIntent::restart:
            return "restart";
        case StopIntent::shutdown:
            return "shutdown";
        case StopIntent::failure:
            return "failure";
    }
    return "?";
}

std::string to_string(const Event& e) {
    std::string s(to_string(e.kind));
    if (e.kind == EventKind::exited) {
        if (e.exit.signal != 0)
            s += " (signal " + std::to_string(e.exit.signal) + ")";
        else
            s += " (code " + std::to_string(e.exit.code) + ")";
    }
    return s;
}

}  // namespace sv::supervise
