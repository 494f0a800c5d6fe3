// The Supervisor wires the modules together: it owns the event loop, the signal
// source, and one UnitRunner per unit; it binds at startup, dispatches events,
// and shuts everything down. It decides nothing about a single unit's lifecycle
// (UnitRunner and supervise/lifecycle do) and never forks (supervise/spawner does).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/event_loop.hpp"
#include "daemon/signals.hpp"
#include "unit/loader.hpp"
#include "unit/unit.hpp"

namespace sv::daemon {

struct SupervisorConfig {
    std::string runtime_dir;
    bool strict = false;
    // Inline `--eager --restart no`: exit with the service's status when it exits.
    std::optional<std::string> exit_with_unit;
};

class UnitRunner;

class Supervisor {
public:
    Supervisor(EventLoop loop, SignalSource signals, SupervisorConfig config);
    ~Supervisor();

    // Phase 1 (before the loop): bind every unit's sockets. A unit that cannot be
    // bound is marked failed and the others go on — unless `strict`, where the
    // first failure releases everything and returns false (exit 1).
    // `load_failures`: units whose files were invalid (reported as failed).
    bool bind_all(std::vector<unit::Unit> units, const std::vector<std::string>& load_failures);

    // Phase 2: run until SIGTERM/SIGINT (or the inline service exits); returns the
    // process exit status. Inside the loop a unit's failure never ends the daemon.
    int run();

private:
    void on_signals();
    void begin_shutdown();
    void finish_shutdown();

    EventLoop loop_;
    SignalSource signals_;
    SupervisorConfig config_;
    std::map<std::string, std::unique_ptr<UnitRunner>> units_;
    std::vector<std::string> load_failures_;
    bool stopping_ = false;
    bool done_ = false;
    int exit_code_ = 0;
};

}  // namespace sv::daemon
