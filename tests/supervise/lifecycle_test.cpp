// Every (state, event) cell of the lifecycle table, table invariants over every spec variant,
// and the scenarios the SPEC promises (crash loop, backoff, notify timeout, stop escalation).
#include "supervise/lifecycle.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>
#include <vector>

namespace sv::supervise {
namespace {

using unit::Ready;
using unit::RestartPolicy;
using unit::ServiceSpec;
using unit::StartMode;
using AK = ActionKind;
using EK = EventKind;
using std::chrono::milliseconds;

const TimePoint T0 = TimePoint{} + std::chrono::hours(1);

std::vector<AK> kinds(const Actions& actions) {
    std::vector<AK> out;
    for (const Action& a : actions) out.push_back(a.kind);
    return out;
}

std::string describe(const Actions& actions) {
    std::string s;
    for (const Action& a : actions) s += std::string(to_string(a.kind)) + "; ";
    return s;
}

Event event_of(EK k) {
    return k == EK::exited ? Event::exited_code(1) : Event::of(k);
}

// A representative Lifecycle for each state, as the table itself would have produced it; every
// pending deadline is due at T0 so that `deadline` cells exercise the real transition.
Lifecycle in_state(State s) {
    Lifecycle lc;
    lc.state = s;
    switch (s) {
        case State::listening:
        case State::failed:
        case State::stopped:
            break;
        case State::starting:  // spawned, waiting for READY=1 with start_timeout pending
            lc.spawned = true;
            lc.started_at = T0 - milliseconds(500);
            lc.deadline = T0;
            lc.start_limit.window_begin = T0 - milliseconds(500);
            lc.start_limit.starts = 1;
            break;
        case State::running:
            lc.spawned = true;
            lc.started_at = T0 - milliseconds(500);
            lc.start_limit.window_begin = T0 - milliseconds(500);
            lc.start_limit.starts = 1;
            break;
        case State::stopping:
            lc.spawned = true;
            lc.intent = StopIntent::stop;
            lc.started_at = T0 - milliseconds(500);
            lc.deadline = T0;
            break;
        case State::backoff:
            lc.deadline = T0;
            lc.backoff.consecutive = 1;
            break;
    }
    return lc;
}

ServiceSpec notify_spec() {
    ServiceSpec spec;  // on-demand, restart=on-failure, SIGTERM, 100ms..10s, burst 5 in 10s
    spec.ready = Ready::notify;
    return spec;
}

struct Cell {
    State next;
    std::vector<AK> actions;
};

// The whole table for an on-demand, ready=notify, restart=on-failure unit. `exited` is
// exit code 1. A missing row is a test failure, so a new state or event needs its row here.
const std::map<std::pair<State, EK>, Cell>& table() {
    static const std::map<std::pair<State, EK>, Cell> t = {
        // listening: armed; activity starts; nothing else has a process to act on.
        {{State::listening, EK::activity}, {State::starting, {AK::disarm_listeners, AK::spawn}}},
        {{State::listening, EK::start_request}, {State::listening, {}}},
        {{State::listening, EK::stop_request}, {State::stopped, {AK::disarm_listeners}}},
        {{State::listening, EK::restart_request}, {State::listening, {}}},
        {{State::listening, EK::shutdown}, {State::stopped, {AK::disarm_listeners}}},
        {{State::listening, EK::spawned}, {State::listening, {}}},
        {{State::listening, EK::spawn_failed}, {State::listening, {}}},
        {{State::listening, EK::ready}, {State::listening, {}}},
        {{State::listening, EK::exited}, {State::listening, {}}},
        {{State::listening, EK::deadline}, {State::listening, {}}},
        // starting (spawned, start_timeout pending)
        {{State::starting, EK::activity}, {State::starting, {}}},
        {{State::starting, EK::start_request}, {State::starting, {}}},
        {{State::starting, EK::stop_request},
         {State::stopping, {AK::signal_group, AK::set_deadline}}},
        {{State::starting, EK::restart_request},
         {State::stopping, {AK::signal_group, AK::set_deadline}}},
        {{State::starting, EK::shutdown}, {State::stopping, {AK::signal_group, AK::set_deadline}}},
        {{State::starting, EK::spawned}, {State::starting, {}}},
        {{State::starting, EK::spawn_failed}, {State::starting, {}}},
        {{State::starting, EK::ready}, {State::running, {AK::clear_deadline}}},
        {{State::starting, EK::exited}, {State::backoff, {AK::set_deadline}}},
        {{State::starting, EK::deadline}, {State::stopping, {AK::signal_group, AK::set_deadline}}},
        // running
        {{State::running, EK::activity}, {State::running, {}}},
        {{State::running, EK::start_request}, {State::running, {}}},
        {{State::running, EK::stop_request},
         {State::stopping, {AK::signal_group, AK::set_deadline}}},
        {{State::running, EK::restart_request},
         {State::stopping, {AK::signal_group, AK::set_deadline}}},
        {{State::running, EK::shutdown}, {State::stopping, {AK::signal_group, AK::set_deadline}}},
        {{State::running, EK::spawned}, {State::running, {}}},
        {{State::running, EK::spawn_failed}, {State::running, {}}},
        {{State::running, EK::ready}, {State::running, {}}},
        {{State::running, EK::exited}, {State::backoff, {AK::set_deadline}}},
        {{State::running, EK::deadline}, {State::running, {}}},  // no deadline pending
        // stopping (intent stop, stop_timeout due)
        {{State::stopping, EK::activity}, {State::stopping, {}}},
        {{State::stopping, EK::start_request}, {State::stopping, {}}},  // intent → restart
        {{State::stopping, EK::stop_request}, {State::stopping, {}}},
        {{State::stopping, EK::restart_request}, {State::stopping, {}}},  // intent → restart
        {{State::stopping, EK::shutdown}, {State::stopping, {}}},         // intent → shutdown
        {{State::stopping, EK::spawned}, {State::stopping, {}}},
        {{State::stopping, EK::spawn_failed}, {State::stopped, {AK::clear_deadline}}},
        {{State::stopping, EK::ready}, {State::stopping, {}}},
        {{State::stopping, EK::exited}, {State::stopped, {AK::clear_deadline}}},
        {{State::stopping, EK::deadline}, {State::stopping, {AK::kill_group}}},
        // backoff (restart delay due)
        {{State::backoff, EK::activity}, {State::backoff, {}}},
        {{State::backoff, EK::start_request},
         {State::listening, {AK::clear_deadline, AK::arm_listeners}}},
        {{State::backoff, EK::stop_request}, {State::stopped, {AK::clear_deadline}}},
        {{State::backoff, EK::restart_request},
         {State::listening, {AK::clear_deadline, AK::arm_listeners}}},
        {{State::backoff, EK::shutdown}, {State::stopped, {AK::clear_deadline}}},
        {{State::backoff, EK::spawned}, {State::backoff, {}}},
        {{State::backoff, EK::spawn_failed}, {State::backoff, {}}},
        {{State::backoff, EK::ready}, {State::backoff, {}}},
        {{State::backoff, EK::exited}, {State::backoff, {}}},
        {{State::backoff, EK::deadline}, {State::starting, {AK::spawn}}},
        // failed: only an operator's start (or restart) leaves it; stop/shutdown disarm it.
        {{State::failed, EK::activity}, {State::failed, {}}},
        {{State::failed, EK::start_request}, {State::listening, {AK::arm_listeners}}},
        {{State::failed, EK::stop_request}, {State::stopped, {}}},
        {{State::failed, EK::restart_request}, {State::listening, {AK::arm_listeners}}},
        {{State::failed, EK::shutdown}, {State::stopped, {}}},
        {{State::failed, EK::spawned}, {State::failed, {}}},
        {{State::failed, EK::spawn_failed}, {State::failed, {}}},
        {{State::failed, EK::ready}, {State::failed, {}}},
        {{State::failed, EK::exited}, {State::failed, {}}},
        {{State::failed, EK::deadline}, {State::failed, {}}},
        // stopped
        {{State::stopped, EK::activity}, {State::stopped, {}}},
        {{State::stopped, EK::start_request}, {State::listening, {AK::arm_listeners}}},
        {{State::stopped, EK::stop_request}, {State::stopped, {}}},
        {{State::stopped, EK::restart_request}, {State::listening, {AK::arm_listeners}}},
        {{State::stopped, EK::shutdown}, {State::stopped, {}}},
        {{State::stopped, EK::spawned}, {State::stopped, {}}},
        {{State::stopped, EK::spawn_failed}, {State::stopped, {}}},
        {{State::stopped, EK::ready}, {State::stopped, {}}},
        {{State::stopped, EK::exited}, {State::stopped, {}}},
        {{State::stopped, EK::deadline}, {State::stopped, {}}},
    };
    return t;
}

// kAllStates / kAllEvents must list every enumerator: to_string has a -Wswitch-enum switch,
// so a new enumerator gets a name, and this counts the named values.
TEST(Lifecycle, EnumListsAreComplete) {
    std::size_t states = 0, events = 0, actions = 0;
    for (int i = 0; i < 256; ++i) {
        states += to_string(static_cast<State>(i)) != "?";
        events += to_string(static_cast<EK>(i)) != "?";
        actions += to_string(static_cast<AK>(i)) != "?";
    }
    EXPECT_EQ(states, kAllStates.size());
    EXPECT_EQ(events, kAllEvents.size());
    EXPECT_EQ(actions, kAllActionKinds.size());
    EXPECT_EQ(table().size(), kAllStates.size() * kAllEvents.size());
}

TEST(Lifecycle, EveryCell) {
    const ServiceSpec spec = notify_spec();
    for (State s : kAllStates) {
        for (EK e : kAllEvents) {
            SCOPED_TRACE(std::string(to_string(s)) + " × " + std::string(to_string(e)));
            auto row = table().find({s, e});
            ASSERT_NE(row, table().end()) << "no row in the table";
            const Step r = step(spec, in_state(s), event_of(e), T0);
            EXPECT_EQ(r.next.state, row->second.next);
            EXPECT_EQ(kinds(r.actions), row->second.actions) << describe(r.actions);
            EXPECT_FALSE(r.why.empty());
        }
    }
}

// Structural promises of the table, checked for every spec variant and every cell.
TEST(Lifecycle, InvariantsHoldForEverySpecVariant) {
    for (StartMode start : {StartMode::on_demand, StartMode::eager})
        for (RestartPolicy restart :
             {RestartPolicy::no, RestartPolicy::on_failure, RestartPolicy::always})
            for (Ready ready : {Ready::started, Ready::notify})
                for (State s : kAllStates)
                    for (EK e : kAllEvents)
                        for (Event ev :
                             {event_of(e), Event::exited_code(0), Event::exited_signal(9)}) {
                            if (ev.kind != e && e != EK::exited) continue;
                            ServiceSpec spec;
                            spec.start = start;
                            spec.restart = restart;
                            spec.ready = ready;
                            const Lifecycle cur = in_state(s);
                            SCOPED_TRACE(std::string(to_string(s)) + " × " + to_string(ev));
                            const Step r = step(spec, cur, ev, T0);
                            const Lifecycle& n = r.next;
                            if (n == cur) {
                                EXPECT_TRUE(r.actions.empty()) << describe(r.actions);
                            }
                            // Listeners are armed exactly in `listening`.
                            EXPECT_EQ(r.actions.contains(AK::arm_listeners),
                                      n.state == State::listening && s != State::listening);
                            EXPECT_EQ(r.actions.contains(AK::disarm_listeners),
                                      s == State::listening && n.state != State::listening);
                            // Spawn exactly when entering starting; a process only where one
                            // may exist.
                            EXPECT_EQ(r.actions.contains(AK::spawn),
                                      n.state == State::starting && s != State::starting);
                            if (r.actions.contains(AK::signal_group) ||
                                r.actions.contains(AK::kill_group)) {
                                EXPECT_EQ(n.state, State::stopping);
                            }
                            // Timers: only states that wait on one have one.
                            if (n.deadline) {
                                EXPECT_TRUE(n.state == State::starting ||
                                            n.state == State::stopping ||
                                            n.state == State::backoff);
                            }
                            if (n.state == State::backoff) {
                                EXPECT_TRUE(n.deadline.has_value());
                            }
                            EXPECT_EQ(r.actions.contains(AK::set_deadline),
                                      n.deadline.has_value() && n.deadline != cur.deadline);
                            if (n.shut_down) {
                                EXPECT_TRUE(n.state == State::stopping ||
                                            n.state == State::stopped);
                            }
                        }
}

TEST(Lifecycle, DeadlineNotDueOrNotPendingIsANoOp) {
    const ServiceSpec spec = notify_spec();
    for (State s : kAllStates) {
        Lifecycle lc = in_state(s);
        const Step early = step(spec, lc, Event::of(EK::deadline), T0 - milliseconds(1));
        EXPECT_EQ(early.next, lc) << to_string(s);
        EXPECT_TRUE(early.actions.empty());
        lc.deadline.reset();
        const Step none = step(spec, lc, Event::of(EK::deadline), T0);
        EXPECT_EQ(none.next, lc) << to_string(s);
        EXPECT_TRUE(none.actions.empty());
    }
}

// --- scenarios: a tiny driver that applies steps and records what the shell would do ---

struct Driver {
    ServiceSpec spec;
    Lifecycle lc;
    TimePoint now = T0;
    Step last{};

    Step& on(Event e) {
        last = step(spec, lc, e, now);
        lc = last.next;
        return last;
    }
    Step& on(EK k) { return on(Event::of(k)); }
    // Advance to the pending deadline and fire it.
    Step& fire() {
        EXPECT_TRUE(lc.deadline.has_value());
        if (lc.deadline) now = *lc.deadline;
        return on(EK::deadline);
    }
    Duration pending() const {
        return std::chrono::duration_cast<Duration>(lc.deadline.value() - now);
    }
};

TEST(LifecycleScenario, OnDemandStartsOnActivity) {
    Driver d;
    EXPECT_EQ(kinds(d.on(EK::start_request).actions), std::vector<AK>{AK::arm_listeners});
    EXPECT_EQ(d.lc.state, State::listening);
    EXPECT_EQ(kinds(d.on(EK::activity).actions),
              (std::vector<AK>{AK::disarm_listeners, AK::spawn}));
    EXPECT_EQ(d.lc.state, State::starting);
    EXPECT_TRUE(d.on(EK::spawned).actions.empty());
    EXPECT_EQ(d.lc.state, State::running);
    EXPECT_EQ(d.lc.started_at, T0);
}

TEST(LifecycleScenario, EagerStartsOnStartRequest) {
    Driver d;
    d.spec.start = StartMode::eager;
    EXPECT_EQ(kinds(d.on(EK::start_request).actions), std::vector<AK>{AK::spawn});
    EXPECT_EQ(d.lc.state, State::starting);
    d.on(EK::spawned);
    EXPECT_EQ(d.lc.state, State::running);
}

TEST(LifecycleScenario, EagerWithRestartNoReturnsToListeningOnCleanExit) {
    Driver d;
    d.spec.start = StartMode::eager;
    d.spec.restart = RestartPolicy::no;
    d.on(EK::start_request);
    d.on(EK::spawned);
    EXPECT_EQ(kinds(d.on(Event::exited_code(0)).actions), std::vector<AK>{AK::arm_listeners});
    EXPECT_EQ(d.lc.state, State::listening);
    // ...and the next connection starts it again.
    EXPECT_EQ(d.on(EK::activity).next.state, State::starting);
}

TEST(LifecycleScenario, RestartPolicies) {
    struct Case {
        RestartPolicy policy;
        Event exit;
        State expected;
    };
    for (const Case& c : {
             Case{RestartPolicy::no, Event::exited_code(0), State::listening},
             Case{RestartPolicy::no, Event::exited_code(3), State::listening},
             Case{RestartPolicy::on_failure, Event::exited_code(0), State::listening},
             Case{RestartPolicy::on_failure, Event::exited_code(3), State::backoff},
             Case{RestartPolicy::on_failure, Event::exited_signal(15), State::backoff},
             Case{RestartPolicy::always, Event::exited_code(0), State::backoff},
             Case{RestartPolicy::always, Event::exited_signal(9), State::backoff},
         }) {
        Driver d;
        d.spec.restart = c.policy;
        d.on(EK::start_request);
        d.on(EK::activity);
        d.on(EK::spawned);
        EXPECT_EQ(d.on(c.exit).next.state, c.expected)
            << to_string(c.exit) << " restart=" << unit::to_string(c.policy);
    }
}

TEST(LifecycleScenario, CrashLoopDoublesDelayAndReachesFailedAfterBurst) {
    Driver d;  // burst 5 in 10s, 100ms doubling
    d.on(EK::start_request);
    d.on(EK::activity);  // start 1
    std::vector<long> delays;
    for (int i = 0; i < 5; ++i) {
        d.on(EK::spawned);
        d.now += milliseconds(10);
        d.on(Event::exited_code(1));
        ASSERT_EQ(d.lc.state, State::backoff);
        delays.push_back(d.pending().count());
        d.fire();  // starts 2..5 admitted, the 6th is refused
    }
    EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1600}));
    EXPECT_EQ(d.lc.state, State::failed);
    EXPECT_TRUE(d.last.actions.empty()) << describe(d.last.actions);  // not armed, no timer
    EXPECT_EQ(d.lc.restarts, 4u);
    // Activity cannot start it; sockvisorctl start clears failed and the counters.
    EXPECT_EQ(d.on(EK::activity).next.state, State::failed);
    EXPECT_EQ(kinds(d.on(EK::start_request).actions), std::vector<AK>{AK::arm_listeners});
    EXPECT_EQ(d.lc.start_limit.starts, 0);
    EXPECT_EQ(d.lc.backoff.consecutive, 0u);
    EXPECT_EQ(d.on(EK::activity).next.state, State::starting);
}

TEST(LifecycleScenario, BackoffIsCappedAtRestartDelayMax) {
    Driver d;
    d.spec.restart_delay = milliseconds(100);
    d.spec.restart_delay_max = milliseconds(1000);
    d.spec.start_limit_burst = 0;  // disabled: this test is about the delay only
    d.on(EK::start_request);
    d.on(EK::activity);
    std::vector<long> delays;
    for (int i = 0; i < 7; ++i) {
        d.on(EK::spawned);
        d.on(Event::exited_signal(11));
        delays.push_back(d.pending().count());
        d.fire();
    }
    EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800, 1000, 1000, 1000}));
}

TEST(LifecycleScenario, DelayResetsAfterStayingUp) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.on(Event::exited_code(1));
    EXPECT_EQ(d.pending(), milliseconds(100));
    d.fire();
    d.on(EK::spawned);
    d.on(Event::exited_code(1));
    EXPECT_EQ(d.pending(), milliseconds(200));
    d.fire();
    d.on(EK::spawned);
    d.now += d.spec.start_limit_interval;  // stayed up for the whole interval
    d.on(Event::exited_code(1));
    EXPECT_EQ(d.pending(), milliseconds(100));
    // One millisecond short of the interval does not count as staying up.
    d.fire();
    d.on(EK::spawned);
    d.now += d.spec.start_limit_interval - milliseconds(1);
    d.on(Event::exited_code(1));
    EXPECT_EQ(d.pending(), milliseconds(200));
}

TEST(LifecycleScenario, CleanExitUnderOnFailureResetsTheDoubling) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.on(Event::exited_code(1));
    d.fire();
    d.on(EK::spawned);
    d.on(Event::exited_code(0));
    EXPECT_EQ(d.lc.state, State::listening);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.on(Event::exited_code(1));
    EXPECT_EQ(d.pending(), milliseconds(100));
}

TEST(LifecycleScenario, NotifyReadyAndTimeout) {
    Driver d;
    d.spec = notify_spec();
    d.on(EK::start_request);
    d.on(EK::activity);
    const Step& s = d.on(EK::spawned);
    EXPECT_EQ(d.lc.state, State::starting);
    ASSERT_EQ(s.actions.size(), 1u);
    EXPECT_EQ(s.actions[0], Action::set_deadline(T0 + d.spec.start_timeout));
    // READY=1 in time → running.
    Driver ok = d;
    EXPECT_EQ(kinds(ok.on(EK::ready).actions), std::vector<AK>{AK::clear_deadline});
    EXPECT_EQ(ok.lc.state, State::running);
    // No READY=1 by start_timeout → stop signal, stop_timeout, and a failure after the exit.
    const Step& t = d.fire();
    EXPECT_EQ(d.lc.state, State::stopping);
    EXPECT_EQ(d.lc.intent, StopIntent::failure);
    ASSERT_EQ(t.actions.size(), 2u);
    EXPECT_EQ(t.actions[0], Action::signal_group(15));
    EXPECT_EQ(t.actions[1], Action::set_deadline(d.now + d.spec.stop_timeout));
    d.on(Event::exited_signal(15));
    EXPECT_EQ(d.lc.state, State::backoff);  // counted as a failure under on-failure
    EXPECT_EQ(d.pending(), milliseconds(100));
}

TEST(LifecycleScenario, NotifyTimeoutWithRestartNoListensAgain) {
    Driver d;
    d.spec = notify_spec();
    d.spec.restart = RestartPolicy::no;
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.fire();
    EXPECT_EQ(kinds(d.on(Event::exited_code(0)).actions),
              (std::vector<AK>{AK::clear_deadline, AK::arm_listeners}));
    EXPECT_EQ(d.lc.state, State::listening);
}

TEST(LifecycleScenario, ReadyIsIgnoredForReadyStarted) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    EXPECT_TRUE(d.on(EK::ready).actions.empty());
    EXPECT_EQ(d.lc.state, State::starting);
    d.on(EK::spawned);
    EXPECT_EQ(d.lc.state, State::running);
}

TEST(LifecycleScenario, StopEscalatesToSigkill) {
    Driver d;
    d.spec.stop_signal = 2;  // SIGINT
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    const Step& s = d.on(EK::stop_request);
    ASSERT_EQ(s.actions.size(), 2u);
    EXPECT_EQ(s.actions[0], Action::signal_group(2));
    EXPECT_EQ(s.actions[1], Action::set_deadline(T0 + milliseconds(10000)));
    EXPECT_EQ(kinds(d.fire().actions), std::vector<AK>{AK::kill_group});
    EXPECT_EQ(d.lc.state, State::stopping);
    EXPECT_FALSE(d.lc.deadline.has_value());
    EXPECT_TRUE(d.on(Event::exited_signal(9)).actions.empty());
    EXPECT_EQ(d.lc.state, State::stopped);
    // Stopped: connections cannot start it, start re-arms it.
    EXPECT_EQ(d.on(EK::activity).next.state, State::stopped);
    EXPECT_EQ(kinds(d.on(EK::start_request).actions), std::vector<AK>{AK::arm_listeners});
}

TEST(LifecycleScenario, ExitBeforeStopTimeoutClearsTheTimer) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.on(EK::stop_request);
    EXPECT_EQ(kinds(d.on(Event::exited_signal(15)).actions), std::vector<AK>{AK::clear_deadline});
    EXPECT_EQ(d.lc.state, State::stopped);
}

TEST(LifecycleScenario, RestartStopsThenSpawnsAndCountsAStart) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    EXPECT_EQ(kinds(d.on(EK::restart_request).actions),
              (std::vector<AK>{AK::signal_group, AK::set_deadline}));
    EXPECT_EQ(d.lc.intent, StopIntent::restart);
    EXPECT_EQ(kinds(d.on(Event::exited_signal(15)).actions),
              (std::vector<AK>{AK::clear_deadline, AK::spawn}));
    EXPECT_EQ(d.lc.state, State::starting);
    EXPECT_EQ(d.lc.restarts, 0u);  // an operator's restart is not an automatic one
    EXPECT_EQ(d.lc.start_limit.starts, 2);
    EXPECT_EQ(d.lc.backoff.consecutive, 0u);  // not a failure
    d.on(EK::spawned);
    EXPECT_EQ(d.lc.state, State::running);
}

TEST(LifecycleScenario, ManualRestartsCountAgainstTheStartLimit) {
    Driver d;
    d.spec.start_limit_burst = 2;
    d.on(EK::start_request);
    d.on(EK::activity);  // start 1
    d.on(EK::spawned);
    d.on(EK::restart_request);
    d.on(Event::exited_signal(15));  // start 2
    d.on(EK::spawned);
    d.on(EK::restart_request);
    d.on(Event::exited_signal(15));  // start 3: refused
    EXPECT_EQ(d.lc.state, State::failed);
}

TEST(LifecycleScenario, StopWhileStoppingForRestartStaysStopped) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.on(EK::restart_request);
    d.on(EK::stop_request);
    EXPECT_EQ(d.lc.intent, StopIntent::stop);
    d.on(Event::exited_signal(15));
    EXPECT_EQ(d.lc.state, State::stopped);
    // And the other way round: start while stopping starts again after the exit.
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.on(EK::stop_request);
    d.on(EK::start_request);
    EXPECT_EQ(d.lc.intent, StopIntent::restart);
    EXPECT_EQ(d.on(Event::exited_signal(15)).next.state, State::starting);
}

TEST(LifecycleScenario, SpawnFailureIsAFailedStart) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    EXPECT_EQ(kinds(d.on(EK::spawn_failed).actions), std::vector<AK>{AK::set_deadline});
    EXPECT_EQ(d.lc.state, State::backoff);
    // restart=no: back to listening; the start limit bounds the loop the waiting connection
    // would otherwise drive.
    Driver n;
    n.spec.restart = RestartPolicy::no;
    n.on(EK::start_request);
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(n.on(EK::activity).next.state, State::starting);
        ASSERT_EQ(n.on(EK::spawn_failed).next.state, State::listening);
    }
    EXPECT_EQ(kinds(n.on(EK::activity).actions), std::vector<AK>{AK::disarm_listeners});
    EXPECT_EQ(n.lc.state, State::failed);
}

TEST(LifecycleScenario, StartRequestInBackoffSkipsTheDelay) {
    Driver d;
    d.spec.start = StartMode::eager;
    d.on(EK::start_request);
    d.on(EK::spawned);
    d.on(Event::exited_code(1));
    ASSERT_EQ(d.lc.state, State::backoff);
    EXPECT_EQ(kinds(d.on(EK::start_request).actions),
              (std::vector<AK>{AK::clear_deadline, AK::spawn}));
    EXPECT_EQ(d.lc.state, State::starting);
}

TEST(LifecycleScenario, ShutdownIsFinal) {
    Driver d;
    d.on(EK::start_request);
    d.on(EK::activity);
    d.on(EK::spawned);
    d.on(EK::shutdown);
    EXPECT_EQ(d.lc.state, State::stopping);
    EXPECT_EQ(d.lc.intent, StopIntent::shutdown);
    EXPECT_TRUE(d.on(EK::start_request).actions.empty());
    EXPECT_TRUE(d.on(EK::restart_request).actions.empty());
    EXPECT_EQ(d.lc.intent, StopIntent::shutdown);
    d.on(Event::exited_code(0));
    EXPECT_EQ(d.lc.state, State::stopped);
    EXPECT_FALSE(has_process(d.lc.state));
    for (EK e : kAllEvents) {
        EXPECT_TRUE(d.on(Event::of(e)).actions.empty()) << to_string(e);
        EXPECT_EQ(d.lc.state, State::stopped);
    }
    // Without a process, shutdown is immediate.
    Driver l;
    l.on(EK::start_request);
    EXPECT_EQ(kinds(l.on(EK::shutdown).actions), std::vector<AK>{AK::disarm_listeners});
    EXPECT_EQ(l.lc.state, State::stopped);
    EXPECT_TRUE(l.on(EK::start_request).actions.empty());
}

TEST(Lifecycle, Names) {
    EXPECT_EQ(to_string(State::listening), "listening");
    EXPECT_EQ(to_string(State::backoff), "backoff");
    EXPECT_EQ(to_string(State::stopped), "stopped");
    EXPECT_EQ(to_string(Event::exited_code(3)), "exited (code 3)");
    EXPECT_EQ(to_string(Event::exited_signal(9)), "exited (signal 9)");
    EXPECT_EQ(to_string(Event::of(EK::ready)), "ready");
    EXPECT_TRUE(has_process(State::stopping));
    EXPECT_FALSE(has_process(State::backoff));
}

}  // namespace
}  // namespace sv::supervise
