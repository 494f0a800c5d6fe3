// Builds the ChildPlan: argv, the environment of SPEC §2.2/§3, and the fd plan.
// Pure code over plain data (capture_host_env() only reads getenv); it never
// touches a descriptor, so it is tested without forking.
#include "activation/child_plan.hpp"

#include <cassert>
#include <cstdlib>

namespace sv::activation {
namespace {

constexpr std::string_view kReserved[] = {
    "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "SOCKVISOR_UNIT",
    "PEER_UID",   "PEER_GID",   "PEER_PID",       "REMOTE_ADDR",   "REMOTE_PORT",
};

// The environment under construction: ordered, one entry per name.
class EnvBuilder {
  public:
    void set(std::string_view name, std::string_view value) {
        std::string entry = std::string(name) + "=" + std::string(value);
        for (auto& e : entries_) {
            if (e.compare(0, name.size() + 1, entry, 0, name.size() + 1) == 0) {
                e = std::move(entry);  // replace in place: keeps the documented order
                return;
            }
        }
        entries_.push_back(std::move(entry));
    }
    std::size_t size() const { return entries_.size(); }
    std::vector<std::string> take() { return std::move(entries_); }

  private:
    std::vector<std::string> entries_;
};

Stdio output_stdio(unit::Output mode, const std::optional<int>& log_fd) {
    switch (mode) {
        case unit::Output::log:
            if (log_fd) return Stdio{StdioKind::fd, *log_fd};
            return Stdio{StdioKind::inherit, -1};
        case unit::Output::inherit:
            return Stdio{StdioKind::inherit, -1};
        case unit::Output::null:
            return Stdio{StdioKind::null, -1};
    }
    return Stdio{StdioKind::null, -1};
}

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ':';
        out += n;
    }
    return out;
}

}  // namespace

bool is_reserved_env(std::string_view name) {
    for (auto r : kReserved)
        if (r == name) return true;
    return false;
}

HostEnv capture_host_env() {
    auto get = [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    };
    return HostEnv{get("PATH"), get("HOME"), get("USER"), get("LANG")};
}

ChildPlan build_child_plan(const unit::Unit& unit, const ChildInputs& in) {
    const unit::ServiceSpec& svc = unit.service;
    assert(!svc.exec.empty());
    assert(svc.accept == in.connection.has_value());
    assert(svc.accept || in.listen_fds.size() == unit.listen.size());

    ChildPlan plan;
    plan.path = svc.exec.front();
    plan.argv = svc.exec;

    // fds 3..N and their names: the one connection (accept mode), or the
    // listeners in file order followed by the fd store (SPEC §3).
    std::vector<std::string> names;
    if (in.connection) {
        plan.fds.push_back(in.connection->fd);
        names.emplace_back("connection");
    } else {
        for (std::size_t i = 0; i < unit.listen.size(); ++i) {
            plan.fds.push_back(in.listen_fds[i]);
            names.push_back(unit.listen[i].name.empty() ? unit.name : unit.listen[i].name);
        }
        for (const auto& stored : in.fd_store) {
            plan.fds.push_back(stored.fd);
            names.push_back(stored.name.empty() ? "stored" : stored.name);
        }
    }

    // stdio: systemd's defaults for a socket-activated service are
    // StandardInput=null; accept mode puts the connection on 0 and 1 (inetd).
    if (in.connection) {
        plan.stdio[0] = Stdio{StdioKind::fd, in.connection->fd};
        plan.stdio[1] = Stdio{StdioKind::fd, in.connection->fd};
    } else {
        plan.stdio[0] = Stdio{StdioKind::null, -1};
        plan.stdio[1] = output_stdio(svc.stdout_mode, in.log_stdout);
    }
    plan.stdio[2] = output_stdio(svc.stderr_mode, in.log_stderr);

    // Environment, in the documented order: the minimal base, the protocol, the
    // peer, then the unit's table. A unit entry replaces a base variable in place
    // (a service may want its own PATH) but never a reserved one.
    EnvBuilder env;
    env.set("PATH", in.host.path ? *in.host.path : kDefaultPath);
    if (in.user) {
        env.set("HOME", in.user->home);
        env.set("USER", in.user->name);
    } else {
        if (in.host.home) env.set("HOME", *in.host.home);
        if (in.host.user) env.set("USER", *in.host.user);
    }
    if (in.host.lang) env.set("LANG", *in.host.lang);

    env.set("LISTEN_FDS", std::to_string(plan.fds.size()));
    plan.listen_pid_slot = env.size();
    env.set("LISTEN_PID", std::string(kListenPidDigits, kListenPidPlaceholder));
    env.set("LISTEN_FDNAMES", join_names(names));
    if (in.notify_socket) env.set("NOTIFY_SOCKET", *in.notify_socket);
    env.set("SOCKVISOR_UNIT", unit.name);
    if (in.connection && in.connection->unix_peer) {
        const UnixPeer& p = *in.connection->unix_peer;
        env.set("PEER_UID", std::to_string(p.uid));
        env.set("PEER_GID", std::to_string(p.gid));
        env.set("PEER_PID", std::to_string(p.pid));
    }
    if (in.connection && in.connection->inet_peer) {
        env.set("REMOTE_ADDR", in.connection->inet_peer->address);
        env.set("REMOTE_PORT", std::to_string(in.connection->inet_peer->port));
    }
    for (const auto& [name, value] : svc.environment)
        if (!is_reserved_env(name)) env.set(name, value);
    plan.envp = env.take();

    if (svc.uid || svc.gid) {
        plan.uid = svc.uid;
        plan.gid = svc.gid;
        plan.groups = svc.groups;
    }
    plan.working_directory = svc.working_directory.empty() ? "/" : svc.working_directory;
    plan.umask = svc.umask;
    plan.parent_death_signal = SIGTERM;
    return plan;
}

}  // namespace sv::activation
