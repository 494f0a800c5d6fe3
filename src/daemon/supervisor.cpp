#include "daemon/supervisor.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "base/syscalls.hpp"
#include "daemon/control_server.hpp"
#include "daemon/notify_router.hpp"
#include "daemon/reaper.hpp"
#include "daemon/status_snapshot.hpp"
#include "daemon/unit_runner.hpp"
#include "net/listener.hpp"
#include "unit/names.hpp"

namespace sv::daemon {
namespace {
// Orphans (processes we adopted as subreaper or PID 1, in no unit's process
// group) get SIGTERM at shutdown, then SIGKILL after this long: the default
// stop_timeout (10 s) would hold a container's exit hostage to a stray process.
constexpr auto kOrphanGrace = std::chrono::seconds(5);
}  // namespace

Supervisor::Supervisor(EventLoop loop, SignalSource signals, SupervisorConfig config,
                       std::vector<activation::InheritedFd> inherited)
    : loop_(std::move(loop)),
      signals_(std::move(signals)),
      config_(std::move(config)),
      ctx_{loop_, activation::capture_host_env(), config_.runtime_dir + "/notify.sock",
           {},    std::move(inherited),           {}} {
    ctx_.on_main_exit = [this](UnitRunner& u, const supervise::ExitStatus& st) {
        on_main_exit(u, st);
    };
}

Supervisor::~Supervisor() = default;

void Supervisor::note_invalid(const unit::Diagnostics& diagnostics,
                              const std::vector<std::string>& failed_files) {
    for (const auto& file : failed_files) {
        std::string name = unit::unit_name_from_file(file);
        if (units_.count(name)) continue;  // the running version stays
        auto& problems = invalid_[name];
        for (const auto& d : diagnostics)
            if (d.file == file) problems.push_back(d.render());
    }
}

bool Supervisor::start(InitialUnits initial) {
    become_subreaper();
    // An inherited socket no unit declares is closed before anything binds: held,
    // it would make a unit that declares a similar address fail against ourselves.
    std::erase_if(ctx_.inherited, [&](const activation::InheritedFd& fd) {
        for (const auto& u : initial.units)
            for (const auto& spec : u.listen)
                if (net::matches(fd.fd.get(), spec)) return false;
        spdlog::warn("inherited fd '{}' matches no declared listener: closed", fd.name);
        return true;
    });
    {
        // The binds only: the session's directory fds are closed before the notify and
        // control sockets (and the control server's spare fd) are opened.
        net::BindSession session;
        for (auto& u : initial.units) {
            auto runner = UnitRunner::create(ctx_, std::move(u));
            if (auto st = runner->bind(session); !st) {
                spdlog::error("{}: {}", runner->name(), st.error().message());
                if (config_.strict) {
                    spdlog::error("--strict: a unit failed to bind; releasing every socket");
                    units_.clear();  // destructors release and unlink what was bound
                    return false;
                }
                spdlog::warn("{}: marked failed; its sockets are not bound", runner->name());
            }
            std::string name = runner->name();
            units_.emplace(name, std::move(runner));
        }
    }
    note_invalid(initial.diagnostics, initial.failed_files);
    for (auto& fd : ctx_.inherited)  // matched a listener of a unit that failed first
        spdlog::warn("inherited fd '{}' was not adopted: closed", fd.name);
    ctx_.inherited.clear();

    auto router = NotifyRouter::open(ctx_, units_, ctx_.notify_path);
    if (!router) {
        spdlog::error("{}", router.error().message());
        units_.clear();
        return false;
    }
    notify_ = std::move(router.value());
    control_handler_ = std::make_unique<ControlHandler>(*this, geteuid(), config_.control_group);
    std::optional<gid_t> group;
    if (config_.control_group) group = config_.control_group->gid;
    auto server = ControlServer::open(loop_, config_.control_path, group,
                                      [this](const std::string& line, const PeerCred& peer) {
                                          return control_handler_->handle(line, peer);
                                      });
    if (!server) {
        spdlog::error("{}", server.error().message());
        units_.clear();
        return false;
    }
    control_ = std::move(server.value());
    if (auto st = loop_.watch(signals_.fd(), EPOLLIN, [this](uint32_t) { on_signals(); }); !st) {
        spdlog::error("{}", st.error().message());
        return false;
    }
    for (auto& [name, u] : units_)
        if (!u->bind_failed()) u->start();
    return true;
}

int Supervisor::run() {
    size_t listening = 0, failed = invalid_.size();
    for (auto& [name, u] : units_) (u->bind_failed() ? failed : listening)++;
    std::string status =
        std::to_string(listening) + " units listening, " + std::to_string(failed) + " failed";
    spdlog::info("ready: {} (control socket {})", status, config_.control_path);
    notify_parent("READY=1\nSTATUS=" + status);

    for (;;) {
        collect_retired();
        maybe_finish_shutdown();  // e.g. the inline service is gone already
        if (done_) break;
        if (auto st = loop_.run_once(); !st) {
            // epoll_wait failing is nobody's unit: nothing can be served any more.
            spdlog::critical("{}", st.error().message());
            return 1;
        }
    }
    return exit_code_;
}

void Supervisor::on_signals() {
    bool children = false;
    while (auto info = signals_.next()) {
        switch (info->ssi_signo) {
            case SIGTERM:
            case SIGINT:
            case SIGQUIT:
                spdlog::info("received SIG{}: shutting down", sigabbrev_np(info->ssi_signo));
                begin_shutdown();
                break;
            case SIGHUP:
                spdlog::info("received SIGHUP: reloading");
                if (!stopping_) reload();
                break;
            case SIGCHLD:
                children = true;
                break;
            default:
                break;
        }
    }
    if (children) on_children();
}

void Supervisor::on_children() {
    for (const auto& r : reap_exited()) {
        auto it = ctx_.pids.find(r.pid);
        if (it != ctx_.pids.end())
            it->second->on_exit(r.pid, r.status);
        else
            spdlog::debug("reaped pid {} ({}), not a service's main process", r.pid,
                          describe_exit(r.status));
    }
}

void Supervisor::on_main_exit(UnitRunner& unit, const supervise::ExitStatus& status) {
    if (!config_.exit_with_inline_unit || config_.inline_unit != unit.name()) return;
    // tini's rule: the container's status is the service's (128+N for signal N).
    exit_code_ = status.signal ? 128 + status.signal : status.code;
    spdlog::info("{}: the inline service exited; sockvisord exits with status {}", unit.name(),
                 exit_code_);
    begin_shutdown();
}

void Supervisor::begin_shutdown() {
    if (stopping_) return;
    stopping_ = true;
    notify_parent("STOPPING=1");
    control_.reset();  // no new requests while stopping; the socket file goes away
    for (auto& [name, u] : units_) u->shutdown();
}

// Called between batches of events, never from inside a runner's callback:
// finishing destroys the runners.
void Supervisor::maybe_finish_shutdown() {
    if (!stopping_ || done_) return;
    for (auto& [name, u] : units_)
        if (u->has_process()) return;
    if (!retired_.empty()) return;
    if (!no_children_left()) {
        stop_orphans();
        return;
    }
    for (auto& [name, u] : units_) u->release();
    units_.clear();
    notify_.reset();
    spdlog::info("stopped");
    done_ = true;
}

void Supervisor::stop_orphans() {
    if (orphans_signalled_) return;
    orphans_signalled_ = true;
    auto orphans = list_children();
    for (pid_t pid : orphans) os().kill(pid, SIGTERM);
    if (!orphans.empty())
        spdlog::info("sent SIGTERM to {} remaining process(es) not in any unit", orphans.size());
    loop_.at(Clock::now() + kOrphanGrace, [this] {
        for (pid_t pid : list_children()) {
            spdlog::warn("pid {} still running after {}s: SIGKILL", pid, kOrphanGrace.count());
            os().kill(pid, SIGKILL);
        }
    });
}

void Supervisor::notify_parent(const std::string& message) {
    if (auto st = parent_.send(message); !st)
        spdlog::warn("{} (message dropped: {})", st.error().message(),
                     message.substr(0, message.find('\n')));
}

// ---- units added and removed at run time -------------------------------------

UnitRunner* Supervisor::add_unit(unit::Unit unit, net::BindSession& session) {
    auto runner = UnitRunner::create(ctx_, std::move(unit));
    UnitRunner* bound = runner.get();
    if (auto st = runner->bind(session); !st) {
        spdlog::error("{}: {}", runner->name(), st.error().message());
        spdlog::warn("{}: marked failed; its sockets are not bound", runner->name());
        bound = nullptr;
    }
    std::string name = runner->name();
    units_[name] = std::move(runner);
    return bound;
}

void Supervisor::retire(const std::string& name) {
    auto it = units_.find(name);
    if (it == units_.end()) return;
    std::unique_ptr<UnitRunner> runner = std::move(it->second);
    units_.erase(it);
    runner->shutdown();
    runner->release();  // now: a unit added in the same reload may bind the same path
    retired_.push_back(std::move(runner));
}

void Supervisor::collect_retired() {
    std::erase_if(retired_, [](const auto& r) { return !r->has_process(); });
}

// ---- ControlTarget ---------------------------------------------------------------

std::vector<std::string> Supervisor::unit_names() const {
    std::vector<std::string> names;
    for (const auto& [name, u] : units_) names.push_back(name);
    for (const auto& [name, problems] : invalid_)
        if (!units_.count(name)) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<control::UnitStatus> Supervisor::unit_status(const std::string& name) const {
    if (auto it = units_.find(name); it != units_.end()) return snapshot(*it->second);
    if (invalid_.count(name)) return snapshot_invalid(name);
    return std::nullopt;
}

std::optional<std::vector<std::string>> Supervisor::invalid_unit(const std::string& name) const {
    if (units_.count(name)) return std::nullopt;
    if (auto it = invalid_.find(name); it != invalid_.end()) return it->second;
    return std::nullopt;
}

void Supervisor::request(const std::string& name, OperatorRequest what) {
    auto it = units_.find(name);
    if (it == units_.end()) return;
    static constexpr const char* kWords[] = {"start", "stop", "restart"};
    spdlog::info("{}: {} requested", name, kWords[static_cast<int>(what)]);
    it->second->request(what);
}

}  // namespace sv::daemon
