// UnitRunner: one unit at run time. This base owns what every unit has — its
// bound listeners and its output relays — and spawning with the unit's child
// plan; ServiceRunner (one main process, supervise/lifecycle) and AcceptRunner
// (one instance per connection, supervise/instance_pool) apply their tables.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "activation/notify_message.hpp"
#include "base/result.hpp"
#include "daemon/output_relay.hpp"
#include "daemon/runner_context.hpp"
#include "net/listener.hpp"
#include "supervise/lifecycle.hpp"
#include "supervise/spawner.hpp"
#include "unit/unit.hpp"

namespace sv::daemon {

struct LastExit {
    supervise::ExitStatus status;
    double at = 0;  // wall clock, seconds since the epoch
};

// What `sockvisorctl start|stop|restart` asks of a unit.
enum class OperatorRequest { start, stop, restart };

// What the status of a unit shows beyond its definition (filled by the runner).
struct RunnerFacts {
    std::string state;  // SPEC §4 name; "failed" when the sockets could not be bound
    double since = 0;   // wall clock when the unit entered `state`
    pid_t pid = 0;      // main process, 0 when none (always 0 in accept mode)
    std::optional<double> uptime_s;
    unsigned long restarts = 0;
    std::optional<unsigned long> accepted, active;  // accept mode only
    std::optional<std::string> status_text;
    std::optional<LastExit> last_exit;
};

double wall_clock_now();

class UnitRunner {
  public:
    static std::unique_ptr<UnitRunner> create(RunnerContext& ctx, unit::Unit unit);
    virtual ~UnitRunner();

    const std::string& name() const { return unit_.name; }
    const unit::Unit& unit() const { return unit_; }
    const std::vector<net::BoundListener>& listeners() const { return listeners_; }

    // Bind (or adopt) every [[listen]]; on failure release what was bound and
    // return the error; the unit is then `failed` for good (until reload). Units bound
    // in one go (start-up, reload) share one session: see net/bind_session.hpp.
    Status bind(net::BindSession& session);
    bool bind_failed() const { return bind_failed_; }

    // After binding: arm on-demand units, spawn eager ones.
    virtual void start() = 0;
    // sockvisord is stopping: stop every process (the supervisor waits for has_process()).
    virtual void shutdown() = 0;
    virtual bool has_process() const = 0;
    virtual supervise::State state() const = 0;

    // A process this runner registered in ctx.pids exited (already reaped).
    virtual void on_exit(pid_t pid, const supervise::ExitStatus& status) = 0;
    // An authorised notify message (the router checked the sender). Fds not moved
    // out are closed by the caller.
    virtual void on_notify(pid_t sender, const activation::NotifyMessage& msg,
                           std::vector<Fd>& fds);
    // Whose messages count (router): main pid and session (0 when none).
    virtual pid_t main_pid() const { return 0; }
    virtual pid_t session() const { return 0; }

    // Close every socket, unlinking per remove_on_stop (shutdown, unit removed).
    void release();

    // `sockvisorctl start|stop|restart`. `start` of a unit whose sockets could not
    // be bound tries to bind them again first.
    virtual void request(OperatorRequest what) = 0;
    virtual RunnerFacts facts() const = 0;

    // Reload: a new definition. `sources[i]` is the index of the running listener
    // that new listener i keeps (nullopt: bind it); `closed` are running listeners
    // to close (and unlink). The service is not restarted: a changed [service]
    // takes effect at its next start. Returns the first bind error, if any: the
    // unit is then failed with no socket (a partial set would hand the service its
    // fds in the wrong order); `sockvisorctl start` binds again.
    // Two steps so that every close of a reload happens before any bind (an
    // address may move between units): close_listeners(), then redefine().
    void close_listeners(const std::vector<size_t>& closed);
    Status redefine(unit::Unit fresh, const std::vector<std::optional<size_t>>& sources,
                    net::BindSession& session);
    // Reload of an unchanged unit: the fresh definition (description, positions).
    void set_definition(unit::Unit fresh) { unit_ = std::move(fresh); }

  protected:
    UnitRunner(RunnerContext& ctx, unit::Unit unit);

    // Open the output pipes the next process needs (stdout/stderr = "log"), unless
    // already open. Accept mode calls it before accept4, so that running out of
    // fds pauses accepting instead of taking a connection it cannot serve; a
    // failure here is never papered over by letting the process inherit
    // sockvisord's own stderr.
    Status prepare_output(bool for_connection);
    void drop_prepared_output() {
        next_stdout_.reset();
        next_stderr_.reset();
    }
    // Spawn one process with the unit's plan. `connection` set for accept mode;
    // `stored` the fd store. Logs "NAME: started pid N" on success.
    Result<supervise::Spawned> spawn_process(
        const std::optional<activation::Connection>& connection,
        const std::vector<activation::StoredFd>& stored);
    // Poll every listener; `on_ready(index)` runs when one is readable.
    void arm(std::function<void(size_t)> on_ready);
    void disarm();
    void log_exit(pid_t pid, const supervise::ExitStatus& status);
    // For `start` of a unit whose sockets could not be bound: bind again. False
    // (and logged) when it still fails.
    bool rebind_if_failed();
    // Record a state change for status ("since") and log it in the house format.
    void note_transition(supervise::State from, supervise::State to, std::string_view why,
                         bool quiet = false);
    std::string state_name(supervise::State s) const;
    // Send the stop signal to a process group, then SIGCONT (as systemd does): a
    // stopped (SIGSTOP, ^Z) process would otherwise only run its handler after
    // the stop timeout's SIGKILL made it moot.
    void send_stop_signal(pid_t pgid, int sig);
    // Kill what is left of a process group after its leader exited (see docs/lifecycle.md).
    void kill_leftovers(pid_t pgid);

    RunnerContext& ctx_;
    unit::Unit unit_;
    std::vector<net::BoundListener> listeners_;
    bool bind_failed_ = false;
    bool armed_ = false;
    std::function<void(size_t)> on_ready_;  // what arm() was last given (re-armed on reload)
    bool rearm_after_redefine_ = false;     // close_listeners() disarmed an armed unit
    double state_since_ = wall_clock_now();
    std::vector<std::unique_ptr<OutputRelay>> relays_;        // live processes' output pipes
    std::unique_ptr<OutputRelay> next_stdout_, next_stderr_;  // prepare_output()
    std::optional<LastExit> last_exit_;
};

}  // namespace sv::daemon
