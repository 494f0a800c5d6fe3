#include "daemon/notify_router.hpp"

#include <spdlog/spdlog.h>

#include "activation/notify_access.hpp"
#include "activation/notify_message.hpp"
#include "daemon/unit_runner.hpp"

namespace sv::daemon {

Result<std::unique_ptr<NotifyRouter>> NotifyRouter::open(
    RunnerContext& ctx, const std::map<std::string, std::unique_ptr<UnitRunner>>& units,
    const std::string& path) {
    auto socket = activation::NotifySocket::bind(path);
    if (!socket) return socket.error();
    std::unique_ptr<NotifyRouter> router(new NotifyRouter(ctx, units, std::move(socket.value())));
    NotifyRouter* raw = router.get();
    if (auto st = ctx.loop.watch(raw->socket_.fd(), EPOLLIN, [raw](uint32_t) { raw->drain(); });
        !st)
        return st.error();
    return router;
}

NotifyRouter::~NotifyRouter() {
    ctx_.loop.unwatch(socket_.fd());
    (void)socket_.unlink_path();
}

UnitRunner* NotifyRouter::find_unit(pid_t sender) const {
    if (auto it = ctx_.pids.find(sender); it != ctx_.pids.end()) return it->second;
    // Not a main process: a helper in a service's session, or a descendant.
    for (const auto& [name, unit] : units_) {
        if (unit->main_pid() <= 0 || unit->unit().service.notify_access != unit::NotifyAccess::all)
            continue;
        activation::NotifyScope scope{unit::NotifyAccess::all, unit->main_pid(), unit->session()};
        if (activation::may_notify(scope, sender).allowed) return unit.get();
    }
    return nullptr;
}

void NotifyRouter::drain() {
    for (;;) {
        auto receipt = socket_.receive();
        if (!receipt) {
            spdlog::error("notify socket: {}", receipt.error().message());
            return;
        }
        auto& r = receipt.value();
        if (r.outcome == activation::ReceiveOutcome::drained) return;
        pid_t pid = r.sender ? r.sender->pid : 0;
        if (r.outcome == activation::ReceiveOutcome::dropped) {
            if (drop_log_.allow())
                spdlog::warn("notify: dropped a message from pid {}: {}", pid, r.drop_reason);
            continue;
        }
        UnitRunner* unit = find_unit(pid);
        if (unit) {
            activation::NotifyScope scope{unit->unit().service.notify_access, unit->main_pid(),
                                          unit->session()};
            auto decision = activation::may_notify(scope, pid);
            if (!decision.allowed) unit = nullptr;
        }
        if (!unit) {
            if (drop_log_.allow())
                spdlog::warn(
                    "notify: dropped a message from pid {}: not a process of any service "
                    "allowed to notify",
                    pid);
            continue;  // its fds close with the receipt
        }
        auto message = activation::parse_notify_message(r.text);
        if (!message) {
            if (drop_log_.allow())
                spdlog::warn("{}: notify: dropped a malformed message from pid {}: {}",
                             unit->name(), pid, message.error().detail);
            continue;
        }
        for (const auto& ignored : message->ignored)
            spdlog::debug("{}: notify: ignored {}", unit->name(), ignored);
        unit->on_notify(pid, message.value(), r.fds);
    }
}

}  // namespace sv::daemon
