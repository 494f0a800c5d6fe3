#include "daemon/supervisor.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "base/syscalls.hpp"
#include "daemon/notify_router.hpp"
#include "daemon/reaper.hpp"
#include "daemon/unit_runner.hpp"

namespace sv::daemon {
namespace {
// Orphans (processes we adopted as subreaper or PID 1, in no unit's process
// group) get SIGTERM at shutdown, then SIGKILL after this long: the same grace
// a unit gets by default (stop_timeout = 10s) would hold a container's exit
// hostage to a stray process, so it is shorter.
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

bool Supervisor::start(std::vector<unit::Unit> units,
                       const std::vector<std::string>& load_failures) {
    load_failures_ = load_failures;
    become_subreaper();
    for (auto& u : units) {
        auto runner = UnitRunner::create(ctx_, std::move(u));
        if (auto st = runner->bind(); !st) {
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
    for (auto& fd : ctx_.inherited)
        spdlog::warn("inherited fd '{}' matches no declared listener: closed", fd.name);
    ctx_.inherited.clear();

    auto router = NotifyRouter::open(ctx_, units_, ctx_.notify_path);
    if (!router) {
        spdlog::error("{}", router.error().message());
        units_.clear();
        return false;
    }
    notify_ = std::move(router.value());
    if (auto st = loop_.watch(signals_.fd(), EPOLLIN, [this](uint32_t) { on_signals(); }); !st) {
        spdlog::error("{}", st.error().message());
        return false;
    }
    for (auto& [name, u] : units_)
        if (!u->bind_failed()) u->start();
    return true;
}

int Supervisor::run() {
    size_t listening = 0, failed = load_failures_.size();
    for (auto& [name, u] : units_) (u->bind_failed() ? failed : listening)++;
    std::string status =
        std::to_string(listening) + " units listening, " + std::to_string(failed) + " failed";
    spdlog::info("ready: {}", status);
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
    for (;;) {
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
                spdlog::warn("received SIGHUP: reload is not implemented yet");
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
    maybe_finish_shutdown();
}

void Supervisor::on_main_exit(UnitRunner& unit, const supervise::ExitStatus& status) {
    if (!config_.exit_with_unit || *config_.exit_with_unit != unit.name()) return;
    // tini's rule: the container's status is the service's (128+N for signal N).
    exit_code_ = status.signal ? 128 + status.signal : status.code;
    spdlog::info("{}: the inline service exited; sockvisord exits with status {}", unit.name(),
                 exit_code_);
    begin_shutdown();
}

void Supervisor::begin_shutdown() {
    if (stopping_) return;
    stopping_ = true;
    sd_notify(0, "STOPPING=1");
    for (auto& [name, u] : units_) u->shutdown();
}

// Called between batches of events, never from inside a runner's callback:
// finishing destroys the runners.
void Supervisor::maybe_finish_shutdown() {
    if (!stopping_ || done_) return;
    for (auto& [name, u] : units_)
        if (u->has_process()) return;
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

}  // namespace sv::daemon
