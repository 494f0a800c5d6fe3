// Every (state, event) cell of the accept-mode table, and the admission scenarios: the
// max_connections limit, the EMFILE pause, spawn failures, stop with instances.
#include "supervise/instance_pool.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>
#include <vector>

namespace sv::supervise {
namespace {

using AK = ActionKind;
using PE = PoolEventKind;
using std::chrono::milliseconds;

const TimePoint T0 = TimePoint{} + std::chrono::hours(1);

std::vector<AK> kinds(const Actions& actions) {
    std::vector<AK> out;
    for (const Action& a : actions) out.push_back(a.kind);
    return out;
}

Pool in_state(State s) {
    Pool p;
    p.state = s;
    switch (s) {
        case State::running:
            p.active = 1;
            break;
        case State::stopping:
            p.active = 1;
            p.intent = StopIntent::stop;
            p.deadline = T0;
            break;
        case State::listening:
        case State::starting:
        case State::backoff:
        case State::failed:
        case State::stopped:
            break;
    }
    return p;
}

struct Cell {
    State next;
    std::vector<AK> actions;
};

const std::map<std::pair<State, PE>, Cell>& table() {
    const std::vector<AK> none;
    const std::vector<AK> pause = {AK::disarm_listeners, AK::set_deadline};
    const std::vector<AK> stop = {AK::disarm_listeners, AK::signal_group, AK::set_deadline};
    static const std::map<std::pair<State, PE>, Cell> t = [&] {
        std::map<std::pair<State, PE>, Cell> m = {
            {{State::listening, PE::start_request}, {State::listening, none}},
            {{State::listening, PE::stop_request}, {State::stopped, {AK::disarm_listeners}}},
            {{State::listening, PE::restart_request}, {State::listening, none}},
            {{State::listening, PE::shutdown}, {State::stopped, {AK::disarm_listeners}}},
            {{State::listening, PE::instance_spawned}, {State::running, none}},
            {{State::listening, PE::spawn_failed}, {State::listening, pause}},
            {{State::listening, PE::instance_exited}, {State::listening, none}},
            {{State::listening, PE::fds_exhausted}, {State::listening, pause}},
            {{State::listening, PE::deadline}, {State::listening, none}},

            {{State::running, PE::start_request}, {State::running, none}},
            {{State::running, PE::stop_request}, {State::stopping, stop}},
            {{State::running, PE::restart_request}, {State::stopping, stop}},
            {{State::running, PE::shutdown}, {State::stopping, stop}},
            {{State::running, PE::instance_spawned}, {State::running, none}},
            {{State::running, PE::spawn_failed}, {State::running, pause}},
            {{State::running, PE::instance_exited}, {State::listening, none}},
            {{State::running, PE::fds_exhausted}, {State::running, pause}},
            {{State::running, PE::deadline}, {State::running, none}},

            {{State::stopping, PE::start_request}, {State::stopping, none}},
            {{State::stopping, PE::stop_request}, {State::stopping, none}},
            {{State::stopping, PE::restart_request}, {State::stopping, none}},
            {{State::stopping, PE::shutdown}, {State::stopping, none}},
            {{State::stopping, PE::instance_spawned}, {State::stopping, {AK::signal_group}}},
            {{State::stopping, PE::spawn_failed}, {State::stopping, none}},
            {{State::stopping, PE::instance_exited}, {State::stopped, {AK::clear_deadline}}},
            {{State::stopping, PE::fds_exhausted}, {State::stopping, none}},
            {{State::stopping, PE::deadline}, {State::stopping, {AK::kill_group}}},

            {{State::failed, PE::start_request}, {State::listening, {AK::arm_listeners}}},
            {{State::failed, PE::stop_request}, {State::stopped, none}},
            {{State::failed, PE::restart_request}, {State::listening, {AK::arm_listeners}}},
            {{State::failed, PE::shutdown}, {State::stopped, none}},
            {{State::failed, PE::instance_spawned}, {State::failed, none}},
            {{State::failed, PE::spawn_failed}, {State::failed, none}},
            {{State::failed, PE::instance_exited}, {State::failed, none}},
            {{State::failed, PE::fds_exhausted}, {State::failed, none}},
            {{State::failed, PE::deadline}, {State::failed, none}},
        };
        // stopped, and the two states a pool never enters (they act as stopped).
        for (State s : {State::stopped, State::starting, State::backoff}) {
            m[{s, PE::start_request}] = {State::listening, {AK::arm_listeners}};
            m[{s, PE::restart_request}] = {State::listening, {AK::arm_listeners}};
            m[{s, PE::shutdown}] = {State::stopped, none};
            m[{s, PE::instance_spawned}] = {State::stopping, {AK::signal_group, AK::set_deadline}};
            for (PE e : {PE::stop_request, PE::spawn_failed, PE::instance_exited, PE::fds_exhausted,
                         PE::deadline})
                m[{s, e}] = {s, none};  // no-op: returned unchanged
        }
        return m;
    }();
    return t;
}

TEST(InstancePool, EventListIsComplete) {
    std::size_t events = 0;
    for (int i = 0; i < 256; ++i) events += to_string(static_cast<PE>(i)) != "?";
    EXPECT_EQ(events, kAllPoolEvents.size());
    EXPECT_EQ(table().size(), kAllStates.size() * kAllPoolEvents.size());
}

TEST(InstancePool, EveryCell) {
    unit::ServiceSpec spec;
    spec.accept = true;
    for (State s : kAllStates) {
        for (PE e : kAllPoolEvents) {
            SCOPED_TRACE(std::string(to_string(s)) + " × " + std::string(to_string(e)));
            auto row = table().find({s, e});
            ASSERT_NE(row, table().end()) << "no row in the table";
            const Pool cur = in_state(s);
            const PoolStep r = pool_step(spec, cur, e, T0);
            EXPECT_EQ(r.next.state, row->second.next);
            EXPECT_EQ(kinds(r.actions), row->second.actions);
            EXPECT_FALSE(r.why.empty());
            // Arm/disarm follow accepting() exactly.
            EXPECT_EQ(r.actions.contains(AK::arm_listeners),
                      !accepting(spec, cur) && accepting(spec, r.next));
            EXPECT_EQ(r.actions.contains(AK::disarm_listeners),
                      accepting(spec, cur) && !accepting(spec, r.next));
            EXPECT_FALSE(r.actions.contains(AK::spawn));
            if (r.next == cur) {
                EXPECT_TRUE(r.actions.empty());
            }
        }
    }
}

struct Driver {
    unit::ServiceSpec spec;
    Pool p;
    TimePoint now = T0;
    PoolStep last{};

    Driver() {
        spec.accept = true;
        on(PE::start_request);
    }
    PoolStep& on(PE e) {
        last = pool_step(spec, p, e, now);
        p = last.next;
        return last;
    }
    PoolStep& fire() {
        EXPECT_TRUE(p.deadline.has_value());
        if (p.deadline) now = *p.deadline;
        return on(PE::deadline);
    }
    bool accepts() const { return accepting(spec, p); }
};

TEST(InstancePoolScenario, StartArmsAndInstancesMakeItRunning) {
    Driver d;
    EXPECT_EQ(kinds(d.last.actions), std::vector<AK>{AK::arm_listeners});
    EXPECT_EQ(d.p.state, State::listening);
    d.on(PE::instance_spawned);
    d.on(PE::instance_spawned);
    EXPECT_EQ(d.p.state, State::running);
    EXPECT_EQ(d.p.active, 2);
    EXPECT_EQ(d.p.accepted, 2u);
    d.on(PE::instance_exited);
    d.on(PE::instance_exited);
    EXPECT_EQ(d.p.state, State::listening);
    EXPECT_EQ(d.p.accepted, 2u);
}

TEST(InstancePoolScenario, StopsAcceptingAtMaxConnectionsAndResumesOnExit) {
    Driver d;
    d.spec.max_connections = 3;
    EXPECT_TRUE(d.on(PE::instance_spawned).actions.empty());
    EXPECT_TRUE(d.on(PE::instance_spawned).actions.empty());
    EXPECT_TRUE(d.accepts());
    EXPECT_EQ(kinds(d.on(PE::instance_spawned).actions), std::vector<AK>{AK::disarm_listeners});
    EXPECT_FALSE(d.accepts());
    EXPECT_EQ(d.p.state, State::running);
    EXPECT_EQ(kinds(d.on(PE::instance_exited).actions), std::vector<AK>{AK::arm_listeners});
    EXPECT_TRUE(d.accepts());
}

TEST(InstancePoolScenario, FdExhaustionPausesUntilAnInstanceExits) {
    Driver d;
    d.on(PE::instance_spawned);
    const PoolStep& s = d.on(PE::fds_exhausted);
    ASSERT_EQ(s.actions.size(), 2u);
    EXPECT_EQ(s.actions[0], Action::of(AK::disarm_listeners));
    EXPECT_EQ(s.actions[1], Action::set_deadline(T0 + kFdExhaustedRetry));
    EXPECT_FALSE(d.accepts());
    EXPECT_EQ(d.p.pause, Pause::fds);
    EXPECT_TRUE(d.on(PE::fds_exhausted).actions.empty());  // already paused
    EXPECT_EQ(kinds(d.on(PE::instance_exited).actions),
              (std::vector<AK>{AK::clear_deadline, AK::arm_listeners}));
    EXPECT_TRUE(d.accepts());
}

TEST(InstancePoolScenario, FdExhaustionRetriesAfterTheDeadline) {
    Driver d;
    d.on(PE::fds_exhausted);
    // An early timer wakeup changes nothing: no busy loop.
    d.now += kFdExhaustedRetry - milliseconds(1);
    EXPECT_TRUE(d.on(PE::deadline).actions.empty());
    EXPECT_FALSE(d.accepts());
    EXPECT_EQ(kinds(d.fire().actions), std::vector<AK>{AK::arm_listeners});
    EXPECT_TRUE(d.accepts());
    EXPECT_EQ(d.p.state, State::listening);
}

TEST(InstancePoolScenario, SpawnFailuresBackOffThenFail) {
    Driver d;  // burst 5 in 10s, 100ms doubling
    std::vector<long> pauses;
    for (int i = 0; i < 5; ++i) {
        d.on(PE::spawn_failed);
        ASSERT_EQ(d.p.pause, Pause::spawn_backoff);
        pauses.push_back((*d.p.deadline - d.now) / milliseconds(1));
        EXPECT_FALSE(d.accepts());
        d.fire();
        EXPECT_TRUE(d.accepts());
    }
    EXPECT_EQ(pauses, (std::vector<long>{100, 200, 400, 800, 1600}));
    EXPECT_EQ(kinds(d.on(PE::spawn_failed).actions), std::vector<AK>{AK::disarm_listeners});
    EXPECT_EQ(d.p.state, State::failed);
    EXPECT_FALSE(d.accepts());
    EXPECT_EQ(kinds(d.on(PE::start_request).actions), std::vector<AK>{AK::arm_listeners});
    EXPECT_EQ(d.p.spawn_failures.starts, 0);
}

TEST(InstancePoolScenario, SuccessfulSpawnResetsTheSpawnBackoff) {
    Driver d;
    d.on(PE::spawn_failed);
    d.fire();
    d.on(PE::spawn_failed);
    d.fire();
    d.on(PE::instance_spawned);
    d.on(PE::spawn_failed);
    EXPECT_EQ(*d.p.deadline - d.now, milliseconds(100));
}

TEST(InstancePoolScenario, InstanceExitDoesNotEndASpawnFailurePause) {
    Driver d;
    d.on(PE::instance_spawned);
    d.on(PE::spawn_failed);
    EXPECT_TRUE(d.on(PE::instance_exited).actions.empty());
    EXPECT_EQ(d.p.pause, Pause::spawn_backoff);
    EXPECT_FALSE(d.accepts());
}

TEST(InstancePoolScenario, InstancesKeepServingWhileFailed) {
    Driver d;
    d.spec.start_limit_burst = 1;
    d.on(PE::instance_spawned);
    d.on(PE::spawn_failed);
    d.fire();
    d.on(PE::spawn_failed);
    EXPECT_EQ(d.p.state, State::failed);
    EXPECT_EQ(d.p.active, 1);
    d.on(PE::instance_exited);
    EXPECT_EQ(d.p.state, State::failed);
    EXPECT_EQ(d.p.active, 0);
}

TEST(InstancePoolScenario, StopSignalsEveryInstanceThenKills) {
    Driver d;
    d.spec.stop_signal = 1;
    d.on(PE::instance_spawned);
    d.on(PE::instance_spawned);
    const PoolStep& s = d.on(PE::stop_request);
    EXPECT_EQ(kinds(s.actions),
              (std::vector<AK>{AK::disarm_listeners, AK::signal_group, AK::set_deadline}));
    EXPECT_EQ(s.actions[1], Action::signal_group(1));
    EXPECT_EQ(s.actions[2], Action::set_deadline(T0 + d.spec.stop_timeout));
    EXPECT_TRUE(d.on(PE::instance_exited).actions.empty());
    EXPECT_EQ(d.p.state, State::stopping);
    EXPECT_EQ(kinds(d.fire().actions), std::vector<AK>{AK::kill_group});
    EXPECT_TRUE(d.on(PE::instance_exited).actions.empty());
    EXPECT_EQ(d.p.state, State::stopped);
    EXPECT_FALSE(d.accepts());
}

TEST(InstancePoolScenario, RestartStopsInstancesThenAcceptsAgain) {
    Driver d;
    d.on(PE::instance_spawned);
    d.on(PE::restart_request);
    EXPECT_EQ(d.p.state, State::stopping);
    EXPECT_EQ(kinds(d.on(PE::instance_exited).actions),
              (std::vector<AK>{AK::clear_deadline, AK::arm_listeners}));
    EXPECT_EQ(d.p.state, State::listening);
}

TEST(InstancePoolScenario, ShutdownIsFinal) {
    Driver d;
    d.on(PE::instance_spawned);
    d.on(PE::shutdown);
    EXPECT_TRUE(d.p.shut_down);
    EXPECT_TRUE(d.on(PE::start_request).actions.empty());
    d.on(PE::instance_exited);
    EXPECT_EQ(d.p.state, State::stopped);
    EXPECT_TRUE(d.on(PE::start_request).actions.empty());
    EXPECT_EQ(d.p.state, State::stopped);
}

TEST(InstancePoolScenario, MaxConnectionsBelowOneStillAdmitsOne) {
    Driver d;
    d.spec.max_connections = 0;
    EXPECT_TRUE(d.accepts());
    d.on(PE::instance_spawned);
    EXPECT_FALSE(d.accepts());
}

}  // namespace
}  // namespace sv::supervise
