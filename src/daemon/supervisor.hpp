// The Supervisor wires the modules together: it owns the event loop, the signal
// source, the notify socket and one UnitRunner per unit; it binds at startup,
// routes child exits and signals, and shuts everything down. It decides nothing
// about a single unit's lifecycle (the runners and supervise/ do) and never forks.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/event_loop.hpp"
#include "daemon/runner_context.hpp"
#include "daemon/signals.hpp"
#include "unit/unit.hpp"

namespace sv::daemon {

class NotifyRouter;
class UnitRunner;

struct SupervisorConfig {
    std::string runtime_dir;
    bool strict = false;
    // Inline `--eager --restart no`: exit with this unit's service status, as tini.
    std::optional<std::string> exit_with_unit;
};

class Supervisor {
  public:
    Supervisor(EventLoop loop, SignalSource signals, SupervisorConfig config,
               std::vector<activation::InheritedFd> inherited);
    ~Supervisor();

    // Phase 1 (before the loop): bind every unit's sockets, then start eager
    // services. A unit that cannot be bound is marked failed and the others go on —
    // unless `strict`, where the first failure releases everything and returns
    // false (exit 1). `load_failures`: units whose files were invalid.
    bool start(std::vector<unit::Unit> units, const std::vector<std::string>& load_failures);

    // Phase 2: run until SIGTERM/SIGINT (or the inline service exits); returns the
    // process exit status. Inside the loop a unit's failure never ends the daemon.
    int run();

  private:
    void on_signals();
    void on_children();
    void begin_shutdown();
    void maybe_finish_shutdown();
    void stop_orphans();
    void on_main_exit(UnitRunner& unit, const supervise::ExitStatus& status);

    EventLoop loop_;
    SignalSource signals_;
    SupervisorConfig config_;
    RunnerContext ctx_;
    std::map<std::string, std::unique_ptr<UnitRunner>> units_;
    std::unique_ptr<NotifyRouter> notify_;
    std::vector<std::string> load_failures_;
    bool stopping_ = false;
    bool orphans_signalled_ = false;
    bool done_ = false;
    int exit_code_ = 0;
};

}  // namespace sv::daemon
