// What every UnitRunner shares with the Supervisor: the loop, the facts a child
// plan needs, and the pid table through which exits and notify messages are routed.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "activation/child_plan.hpp"
#include "activation/inherited_fds.hpp"
#include "daemon/event_loop.hpp"
#include "supervise/lifecycle.hpp"

namespace sv::daemon {

class UnitRunner;

struct RunnerContext {
    EventLoop& loop;
    activation::HostEnv host;
    std::string notify_path;  // NOTIFY_SOCKET for services
    // Every live process a runner spawned (or was told about with MAINPID=) → its runner.
    std::unordered_map<pid_t, UnitRunner*> pids;
    // Sockets inherited from our own parent (LISTEN_FDS), adopted by matching listeners.
    std::vector<activation::InheritedFd> inherited;
    // A unit's main process exited (the inline `--eager --restart no` rule needs it).
    std::function<void(UnitRunner&, const supervise::ExitStatus&)> on_main_exit;
};

}  // namespace sv::daemon
