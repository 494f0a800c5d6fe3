// The Supervisor wires the modules together: it owns the event loop, the signal
// source, the notify and control sockets and one UnitRunner per unit; it binds at
// startup, routes child exits, signals and control requests, applies reloads, and
// shuts everything down. It decides nothing about a single unit's lifecycle (the
// runners and supervise/ do) and never forks (supervise/spawner does).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/authorize.hpp"
#include "daemon/control_handler.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/parent_notify.hpp"
#include "daemon/runner_context.hpp"
#include "daemon/signals.hpp"
#include "unit/loader.hpp"
#include "unit/unit.hpp"

namespace sv::daemon {

class ControlServer;
class NotifyRouter;
class UnitRunner;

struct SupervisorConfig {
    std::string runtime_dir;
    bool strict = false;
    std::string control_path;
    std::optional<control::ControlGroup> control_group;
    // What a reload re-reads.
    std::vector<std::string> unit_dirs;
    unit::LoadContext load_context;
    // The inline unit (flags, not a file): a reload never touches it.
    std::optional<std::string> inline_unit;
    // Inline `--eager --restart no`: exit with the service's status, as tini.
    bool exit_with_inline_unit = false;
};

// What the unit loader produced at startup.
struct InitialUnits {
    std::vector<unit::Unit> units;
    unit::Diagnostics diagnostics;
    std::vector<std::string> failed_files;
};

class Supervisor final : public ControlTarget {
  public:
    Supervisor(EventLoop loop, SignalSource signals, SupervisorConfig config,
               std::vector<activation::InheritedFd> inherited);
    ~Supervisor() override;

    // Phase 1 (before the loop): bind every unit's sockets, open the notify and
    // control sockets, start eager services. A unit that cannot be bound is marked
    // failed and the others go on — unless `strict`, where the first failure
    // releases everything and returns false (exit 1).
    bool start(InitialUnits initial);

    // Phase 2: run until SIGTERM/SIGINT (or the inline service exits); returns the
    // process exit status. Inside the loop a unit's failure never ends the daemon.
    int run();

    // ControlTarget
    std::vector<std::string> unit_names() const override;
    std::optional<control::UnitStatus> unit_status(const std::string& name) const override;
    std::optional<std::vector<std::string>> invalid_unit(const std::string& name) const override;
    void request(const std::string& name, OperatorRequest what) override;
    control::ReloadReport reload() override;

  private:
    void on_signals();
    void on_children();
    void begin_shutdown();
    void maybe_finish_shutdown();
    void stop_orphans();
    void on_main_exit(UnitRunner& unit, const supervise::ExitStatus& status);
    // Create and bind a runner for `unit`. Returns it when bound, for the caller to
    // start once every bind of the batch is done (and the session's fds are closed);
    // nullptr when the bind failed (the unit is then marked failed).
    UnitRunner* add_unit(unit::Unit unit, net::BindSession& session);
    // Stop a unit's service and close its sockets now; the runner lives on until
    // its processes have exited.
    void retire(const std::string& name);
    void collect_retired();
    // Readiness to our parent; a message that cannot be sent is logged and dropped.
    void notify_parent(const std::string& message);
    void note_invalid(const unit::Diagnostics& diagnostics,
                      const std::vector<std::string>& failed_files);

    EventLoop loop_;
    SignalSource signals_;
    SupervisorConfig config_;
    RunnerContext ctx_;
    ParentNotifier parent_ = ParentNotifier::from_environment();
    std::map<std::string, std::unique_ptr<UnitRunner>> units_;
    std::vector<std::unique_ptr<UnitRunner>> retired_;
    // Units whose file is invalid and that have no running version: their problems.
    std::map<std::string, std::vector<std::string>> invalid_;
    std::unique_ptr<NotifyRouter> notify_;
    std::unique_ptr<ControlHandler> control_handler_;
    std::unique_ptr<ControlServer> control_;
    bool stopping_ = false;
    bool orphans_signalled_ = false;
    bool done_ = false;
    int exit_code_ = 0;
};

}  // namespace sv::daemon
