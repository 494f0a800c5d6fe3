#include "daemon/supervisor.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "daemon/unit_runner.hpp"

namespace sv::daemon {

Supervisor::Supervisor(EventLoop loop, SignalSource signals, SupervisorConfig config)
    : loop_(std::move(loop)), signals_(std::move(signals)), config_(std::move(config)) {}

Supervisor::~Supervisor() = default;

bool Supervisor::bind_all(std::vector<unit::Unit> units,
                          const std::vector<std::string>& load_failures) {
    load_failures_ = load_failures;
    for (auto& u : units) {
        auto runner = std::make_unique<UnitRunner>(loop_, std::move(u));
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
    return true;
}

int Supervisor::run() {
    if (auto st = loop_.watch(signals_.fd(), EPOLLIN, [this](uint32_t) { on_signals(); }); !st) {
        spdlog::error("{}", st.error().message());
        return 1;
    }
    size_t bound = 0, failed = load_failures_.size();
    for (auto& [name, u] : units_) (u->failed() ? failed : bound)++;
    std::string status = std::to_string(bound) + " units listening, " + std::to_string(failed) +
                         " failed";
    spdlog::info("ready: {}", status);
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());

    while (!done_) {
        if (auto st = loop_.run_once(); !st) {
            // epoll_wait failing is not a unit's problem: nothing can be served.
            spdlog::critical("{}", st.error().message());
            begin_shutdown();
            finish_shutdown();
            return 1;
        }
    }
    return exit_code_;
}

void Supervisor::on_signals() {
    while (auto info = signals_.next()) {
        switch (info->ssi_signo) {
            case SIGTERM:
            case SIGINT:
            case SIGQUIT:
                spdlog::info("received {}: shutting down", strsignal(info->ssi_signo));
                begin_shutdown();
                break;
            case SIGHUP:
                spdlog::info("received SIGHUP: reload is not implemented yet");
                break;
            case SIGCHLD:
                break;
            default:
                break;
        }
    }
    if (stopping_) finish_shutdown();
}

void Supervisor::begin_shutdown() {
    if (stopping_) return;
    stopping_ = true;
    sd_notify(0, "STOPPING=1");
}

void Supervisor::finish_shutdown() {
    for (auto& [name, u] : units_) u->release();
    units_.clear();
    spdlog::info("stopped");
    done_ = true;
}

}  // namespace sv::daemon
