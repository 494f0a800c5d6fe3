// The accept-mode table: one switch per state over every pool event, listener and deadline
// actions derived from the old and new Pool (as lifecycle.cpp does). Pure: no syscalls.
#include "supervise/instance_pool.hpp"

#include <algorithm>

namespace sv::supervise {

namespace {

using unit::ServiceSpec;

struct Ctx {
    const ServiceSpec& spec;
    TimePoint now;
    Pool p;
    std::optional<Action> effect;
    std::string_view why;
    bool changed = true;
};

void noop(Ctx& c, std::string_view why) {
    c.changed = false;
    c.why = why;
}

State up_state(const Pool& p) {
    return p.active > 0 ? State::running : State::listening;
}

// The operator's start: clears failed, forgets failed spawns, lifts any pause.
void operator_start(Ctx& c, std::string_view why) {
    c.p.spawn_failures.reset();
    c.p.spawn_backoff.reset();
    c.p.pause = Pause::none;
    c.p.deadline.reset();
    c.p.state = up_state(c.p);
    c.why = why;
}

void begin_stop(Ctx& c, StopIntent intent, std::string_view why) {
    c.p.state = State::stopping;
    c.p.intent = intent;
    c.p.killed = false;
    c.p.pause = Pause::none;
    c.p.deadline = c.now + c.spec.stop_timeout;
    if (intent == StopIntent::shutdown) c.p.shut_down = true;
    c.effect = Action::signal_group(c.spec.stop_signal);
    c.why = why;
}

void to_stopped(Ctx& c, std::string_view why) {
    c.p.state = State::stopped;
    c.p.pause = Pause::none;
    c.p.deadline.reset();
    c.why = why;
}

// stop_request or shutdown in a state where instances may still run (up or failed).
void stop_all(Ctx& c, StopIntent intent) {
    const bool final = intent == StopIntent::shutdown;
    if (c.p.active > 0) return begin_stop(c, intent, final ? "shutdown" : "stop requested");
    if (final) c.p.shut_down = true;
    to_stopped(c, final ? "shutdown" : "stop requested");
}

void on_up(Ctx& c, PoolEventKind e) {  // listening and running
    switch (e) {
        case PoolEventKind::start_request:
            return operator_start(c, "start requested");
        case PoolEventKind::restart_request:
            if (c.p.active > 0) return begin_stop(c, StopIntent::restart, "restart requested");
            return operator_start(c, "restart requested");
        case PoolEventKind::stop_request:
            return stop_all(c, StopIntent::stop);
        case PoolEventKind::shutdown:
            return stop_all(c, StopIntent::shutdown);
        case PoolEventKind::instance_spawned:
            ++c.p.active;
            ++c.p.accepted;
            c.p.spawn_backoff.reset();  // exec works again
            c.p.state = State::running;
            c.why = "instance started";
            return;
        case PoolEventKind::spawn_failed:
            // Each failed spawn lost one accepted connection; pausing bounds how many more a
            // broken exec loses, and the start limit turns a persistent failure into `failed`
            // (connections then wait in the backlog until `sockvisorctl start`).
            if (!c.p.spawn_failures.admit(c.spec, c.now)) {
                c.p.state = State::failed;
                c.p.pause = Pause::none;
                c.p.deadline.reset();
                c.why = "spawn failures hit the start limit";
                return;
            }
            c.p.pause = Pause::spawn_backoff;
            c.p.deadline = c.now + c.p.spawn_backoff.next(c.spec, Duration::zero());
            c.why = "spawn failed; pausing accept";
            return;
        case PoolEventKind::instance_exited:
            if (c.p.active == 0) return noop(c, "no instance");
            --c.p.active;
            c.p.state = up_state(c.p);
            if (c.p.pause == Pause::fds) {  // its fds are free again
                c.p.pause = Pause::none;
                c.p.deadline.reset();
            }
            c.why = "instance exited";
            return;
        case PoolEventKind::fds_exhausted:
            if (c.p.pause != Pause::none) return noop(c, "already paused");
            c.p.pause = Pause::fds;
            c.p.deadline = c.now + kFdExhaustedRetry;
            c.why = "out of fds; pausing accept";
            return;
        case PoolEventKind::deadline:
            c.p.pause = Pause::none;
            c.why = "pause over";
            return;
    }
}

void on_stopping(Ctx& c, PoolEventKind e) {
    switch (e) {
        case PoolEventKind::start_request:
        case PoolEventKind::restart_request:
            if (c.p.intent != StopIntent::stop) return noop(c, "already stopping");
            c.p.intent = StopIntent::restart;
            c.why = "will accept again after the instances exit";
            return;
        case PoolEventKind::stop_request:
            if (c.p.intent != StopIntent::restart) return noop(c, "already stopping");
            c.p.intent = StopIntent::stop;
            c.why = "will stay stopped after the instances exit";
            return;
        case PoolEventKind::shutdown:
            if (c.p.intent == StopIntent::shutdown) return noop(c, "already stopping");
            c.p.intent = StopIntent::shutdown;
            c.p.shut_down = true;
            c.why = "shutdown";
            return;
        case PoolEventKind::instance_spawned:
            // Not accepting, so the shell should not spawn; if it did, count the instance and
            // signal again so that the new group is stopped too (signalling twice is harmless).
            ++c.p.active;
            ++c.p.accepted;
            c.effect = c.p.killed ? Action::of(ActionKind::kill_group)
                                  : Action::signal_group(c.spec.stop_signal);
            c.why = "instance started while stopping; stopping it";
            return;
        case PoolEventKind::instance_exited:
            if (c.p.active == 0) return noop(c, "no instance");
            if (--c.p.active > 0) {
                c.why = "instance exited";
                return;
            }
            c.p.killed = false;
            c.p.deadline.reset();
            switch (c.p.intent) {
                case StopIntent::restart:
                    return operator_start(c, "restarted");
                case StopIntent::stop:
                case StopIntent::failure:
                    return to_stopped(c, "stopped");
                case StopIntent::shutdown:
                    return to_stopped(c, "stopped for shutdown");
            }
            return;
        case PoolEventKind::deadline:
            if (c.p.killed) return noop(c, "already killed");
            c.p.killed = true;
            c.effect = Action::of(ActionKind::kill_group);
            c.why = "stop_timeout; SIGKILL";
            return;
        case PoolEventKind::spawn_failed:
        case PoolEventKind::fds_exhausted:
            return noop(c, "stopping");
    }
}

void on_failed(Ctx& c, PoolEventKind e) {
    switch (e) {
        case PoolEventKind::start_request:
        case PoolEventKind::restart_request:
            return operator_start(c, "start requested; clears failed");
        case PoolEventKind::stop_request:
            return stop_all(c, StopIntent::stop);
        case PoolEventKind::shutdown:
            return stop_all(c, StopIntent::shutdown);
        case PoolEventKind::instance_spawned:  // not accepting; count it if it happens anyway
            ++c.p.active;
            ++c.p.accepted;
            c.why = "instance started";
            return;
        case PoolEventKind::instance_exited:
            // Instances spawned before the limit was hit keep serving their connections.
            if (c.p.active == 0) return noop(c, "no instance");
            --c.p.active;
            c.why = "instance exited";
            return;
        case PoolEventKind::spawn_failed:
        case PoolEventKind::fds_exhausted:
        case PoolEventKind::deadline:
            return noop(c, "failed; waiting for start");
    }
}

void on_stopped(Ctx& c, PoolEventKind e) {
    switch (e) {
        case PoolEventKind::start_request:
        case PoolEventKind::restart_request:
            if (c.p.shut_down) return noop(c, "shutting down");
            return operator_start(c, "start requested");
        case PoolEventKind::shutdown:
            if (c.p.shut_down) return noop(c, "already shut down");
            c.p.shut_down = true;
            c.why = "shutdown";
            return;
        case PoolEventKind::instance_spawned:  // not accepting; stop it if it happens anyway
            ++c.p.active;
            ++c.p.accepted;
            return begin_stop(c, c.p.shut_down ? StopIntent::shutdown : StopIntent::stop,
                              "instance started while stopped; stopping it");
        case PoolEventKind::stop_request:
        case PoolEventKind::spawn_failed:
        case PoolEventKind::instance_exited:
        case PoolEventKind::fds_exhausted:
        case PoolEventKind::deadline:
            return noop(c, "stopped");
    }
}

}  // namespace

bool accepting(const ServiceSpec& spec, const Pool& pool) {
    // max_connections < 1 would make the unit unreachable; the loader rejects it, and here it
    // means one instance at a time.
    const long limit = std::max(1L, spec.max_connections);
    return (pool.state == State::listening || pool.state == State::running) &&
           pool.pause == Pause::none && pool.active < limit;
}

PoolStep pool_step(const ServiceSpec& spec, const Pool& current, PoolEventKind event,
                   TimePoint now) {
    Pool base = current;
    if (event == PoolEventKind::deadline) {
        if (!base.deadline || now < *base.deadline) return {current, {}, "no deadline due"};
        base.deadline.reset();
    }
    Ctx c{spec, now, base, std::nullopt, {}, true};
    switch (base.state) {
        case State::listening:
        case State::running:
            on_up(c, event);
            break;
        case State::stopping:
            on_stopping(c, event);
            break;
        case State::failed:
            on_failed(c, event);
            break;
        case State::stopped:
            on_stopped(c, event);
            break;
        case State::starting:  // never entered by a pool: a corrupt value acts as stopped
        case State::backoff:
            c.p.state = State::stopped;
            on_stopped(c, event);
            break;
    }
    if (!c.changed || c.p == current) return {current, {}, c.why};

    const Pool& next = c.p;
    const bool was = accepting(spec, base), is = accepting(spec, next);
    Actions out;
    if (was && !is) out.push(Action::of(ActionKind::disarm_listeners));
    if (base.deadline && !next.deadline) out.push(Action::of(ActionKind::clear_deadline));
    if (c.effect) out.push(*c.effect);
    if (next.deadline && next.deadline != base.deadline)
        out.push(Action::set_deadline(*next.deadline));
    if (!was && is) out.push(Action::of(ActionKind::arm_listeners));
    return {next, out, c.why};
}

std::string_view to_string(PoolEventKind e) {
    switch (e) {
        case PoolEventKind::start_request:
            return "start";
        case PoolEventKind::stop_request:
            return "stop";
        case PoolEventKind::restart_request:
            return "restart";
        case PoolEventKind::shutdown:
            return "shutdown";
        case PoolEventKind::instance_spawned:
            return "instance spawned";
        case PoolEventKind::spawn_failed:
            return "spawn failed";
        case PoolEventKind::instance_exited:
            return "instance exited";
        case PoolEventKind::fds_exhausted:
            return "out of fds";
        case PoolEventKind::deadline:
            return "deadline";
    }
    return "?";
}

std::string_view to_string(Pause p) {
    switch (p) {
        case Pause::none:
            return "none";
        case Pause::fds:
            return "fds";
        case Pause::spawn_backoff:
            return "spawn backoff";
    }
    return "?";
}

}  // namespace sv::supervise
