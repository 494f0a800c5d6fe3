// Supervisor::reload(): SPEC §6 — re-read the unit directories and apply the
// difference (daemon/reload_plan.hpp decides it; this file only applies it, in the
// plan's order: close, then bind, then start).
#include <malloc.h>
#include <spdlog/spdlog.h>

#include "daemon/reload_plan.hpp"
#include "daemon/supervisor.hpp"
#include "daemon/unit_runner.hpp"

namespace sv::daemon {

control::ReloadReport Supervisor::reload() {
    notify_parent("RELOADING=1");
    control::ReloadReport report;
    unit::LoadResult fresh = unit::load_directories(config_.unit_dirs, config_.load_context);

    std::map<std::string, unit::Unit> running;
    for (const auto& [name, u] : units_)
        if (name != config_.inline_unit) running.emplace(name, u->unit());
    ReloadPlan plan = plan_reload(running, fresh);

    // 1. Removed units: stop, close and unlink now.
    for (const auto& name : plan.removed) {
        spdlog::info("{}: removed from disk: stopping and closing its sockets", name);
        retire(name);
        report.removed.push_back(name);
    }
    // 2. Changed units: close what changed — every close before any bind, since
    // an address may move from one unit to another in the same reload.
    std::vector<unit::Unit> recreated;
    std::vector<UnitChange*> redefined;
    for (auto& change : plan.changed) {
        auto it = units_.find(change.name);
        if (it == units_.end()) continue;
        report.changed.push_back(change.name);
        if (change.new_unit.service.accept != it->second->unit().service.accept) {
            // inetd style on or off: a different kind of runner, so a new unit.
            spdlog::info("{}: accept changed: replacing the unit", change.name);
            retire(change.name);
            recreated.push_back(std::move(change.new_unit));
            continue;
        }
        it->second->close_listeners(change.listeners.closed);
        redefined.push_back(&change);
    }
    // 3. Bind what is new: changed, replaced and added units, in one session
    // (net/bind_session.hpp) that closes its directory fds before anything starts.
    std::vector<UnitRunner*> to_start;
    {
        net::BindSession session;
        for (UnitChange* change : redefined) {
            if (change->service_changed)
                spdlog::info("{}: [service] changed: takes effect at the next start", change->name);
            auto& runner = units_.at(change->name);
            auto st =
                runner->redefine(std::move(change->new_unit), change->listeners.source, session);
            if (!st) spdlog::error("{}: {}", change->name, st.error().message());
        }
        for (auto& unit : recreated)
            if (UnitRunner* r = add_unit(std::move(unit), session)) to_start.push_back(r);
        for (auto& unit : plan.added) {
            report.added.push_back(unit.name);
            spdlog::info("{}: new unit", unit.name);
            if (UnitRunner* r = add_unit(std::move(unit), session)) to_start.push_back(r);
        }
    }
    // Unchanged units keep sockets, fds and process; their definition may carry a
    // new description or source positions.
    for (auto& unit : plan.unchanged) {
        report.unchanged.push_back(unit.name);
        if (auto it = units_.find(unit.name); it != units_.end())
            it->second->set_definition(std::move(unit));
    }
    // 4. Start the replaced and added units (arm on-demand ones, spawn eager ones).
    for (UnitRunner* runner : to_start) runner->start();

    invalid_.clear();
    note_invalid(fresh.diagnostics, fresh.failed_files);
    for (const auto& name : plan.kept_invalid)
        spdlog::warn("{}: unit file invalid: the running version stays", name);
    for (const auto& problem : plan.problems) spdlog::error("{}", problem);
    report.problems = plan.problems;

    spdlog::info("reload: {} added, {} removed, {} changed, {} unchanged, {} problem(s)",
                 report.added.size(), report.removed.size(), report.changed.size(),
                 report.unchanged.size(), report.problems.size());
    // As main() does after start-up: the loader's file texts and TOML trees, and
    // the copies the plan was made from, are garbage now but malloc keeps the
    // pages. Drop the copies, then hand the free memory back.
    running.clear();
    plan = {};
    fresh = {};
    malloc_trim(0);
    notify_parent("READY=1");
    return report;
}

}  // namespace sv::daemon
