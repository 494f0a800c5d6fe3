// The reload diff: classifies every unit name and maps listeners. Pure over plain
// data; the only rule it borrows is the loader's address-clash check, so a reload
// and a fresh start reject exactly the same clashes.
#include "daemon/reload_plan.hpp"

#include <algorithm>
#include <set>

#include "net/address.hpp"
#include "unit/names.hpp"

namespace sv::daemon {
namespace {

using unit::Unit;

// "/run/units/" and "/run/units" name the same directory.
std::string without_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

std::string directory_of(const std::string& file) {
    auto slash = file.rfind('/');
    if (slash == std::string::npos) return ".";
    return without_trailing_slashes(file.substr(0, slash + 1));
}

// Directories the loader could not list: every diagnostic is about a unit file or
// a directory, and a unit file's path never equals its own directory's path.
std::set<std::string> unreadable_directories(const std::map<std::string, Unit>& running,
                                             const unit::LoadResult& fresh) {
    std::set<std::string> dirs_of_running;
    for (const auto& [name, u] : running) dirs_of_running.insert(directory_of(u.file));
    std::set<std::string> out;
    for (const unit::Diagnostic& d : fresh.diagnostics) {
        std::string f = without_trailing_slashes(d.file);
        if (dirs_of_running.count(f)) out.insert(f);
    }
    return out;
}

// Runs the loader's clash check with the kept units first (so they always win) and
// moves every fresh unit that loses out of `valid`. A loser that is running keeps
// its running version, whose addresses may in turn block another fresh unit:
// repeat until nothing more is rejected (each round moves at least one name, so
// this ends after at most |valid| rounds).
void reject_clashes_with_kept(const std::map<std::string, Unit>& running,
                              std::map<std::string, Unit>& valid, std::set<std::string>& kept,
                              std::set<std::string>& rejected, std::vector<std::string>& problems) {
    for (;;) {
        std::vector<Unit> all;
        for (const std::string& name : kept) all.push_back(running.at(name));
        std::vector<std::string> candidates;
        for (const auto& [name, u] : valid) {
            all.push_back(u);
            candidates.push_back(name);
        }
        std::set<std::string> candidate_files;
        for (const auto& [name, u] : valid) candidate_files.insert(u.file);

        unit::Diagnostics found;
        std::vector<std::string> failed_files;
        unit::check_unique_addresses(all, found, failed_files);

        std::set<std::string> survivors;
        for (const Unit& u : all) survivors.insert(u.name);
        std::vector<std::string> losers;
        for (const std::string& name : candidates)
            if (!survivors.count(name)) losers.push_back(name);
        if (losers.empty()) return;

        for (const unit::Diagnostic& d : found) {
            // Kept units never lose to candidates; ignore any clash among kept ones
            // (they already run side by side).
            if (!candidate_files.count(d.file)) continue;
            unit::Diagnostic shown = d;
            shown.message += ", which keeps running its previous definition";
            problems.push_back(shown.render());
        }
        for (const std::string& name : losers) {
            valid.erase(name);
            if (running.count(name))
                kept.insert(name);
            else
                rejected.insert(name);
        }
    }
}

void collect_rebinds(const std::map<std::string, Unit>& running, ReloadPlan& plan) {
    struct Closed {
        std::string unit;
        std::size_t index;
    };
    std::multimap<std::string, Closed> closed;  // address → who closes it
    for (const std::string& name : plan.removed) {
        const Unit& u = running.at(name);
        for (std::size_t i = 0; i < u.listen.size(); ++i)
            closed.emplace(net::to_string(u.listen[i].address), Closed{name, i});
    }
    for (const UnitChange& c : plan.changed) {
        const Unit& u = running.at(c.name);
        for (std::size_t i : c.listeners.closed)
            closed.emplace(net::to_string(u.listen[i].address), Closed{c.name, i});
    }
    if (closed.empty()) return;

    auto bound = [&](const std::string& unit_name, const unit::ListenSpec& l, std::size_t index) {
        const std::string address = net::to_string(l.address);
        auto it = closed.find(address);
        if (it == closed.end()) return;
        plan.rebinds.push_back({address, it->second.unit, it->second.index, unit_name, index});
        closed.erase(it);
    };
    for (const UnitChange& c : plan.changed)
        for (std::size_t i : c.listeners.to_bind()) bound(c.name, c.new_unit.listen[i], i);
    for (const Unit& u : plan.added)
        for (std::size_t i = 0; i < u.listen.size(); ++i) bound(u.name, u.listen[i], i);
}

}  // namespace

std::vector<std::size_t> ListenerChange::to_bind() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < source.size(); ++i)
        if (!source[i]) out.push_back(i);
    return out;
}

bool ListenerChange::in_place() const {
    if (!closed.empty()) return false;
    for (std::size_t i = 0; i < source.size(); ++i)
        if (source[i] != i) return false;
    return true;
}

ListenerChange match_listeners(const std::vector<unit::ListenSpec>& old_listen,
                               const std::vector<unit::ListenSpec>& new_listen) {
    ListenerChange change;
    std::vector<bool> used(old_listen.size(), false);
    change.source.resize(new_listen.size());
    // Same index first, so two identical specs (tcp port 0 may repeat) stay put.
    for (std::size_t i = 0; i < new_listen.size() && i < old_listen.size(); ++i) {
        if (new_listen[i] == old_listen[i]) {
            change.source[i] = i;
            used[i] = true;
        }
    }
    for (std::size_t i = 0; i < new_listen.size(); ++i) {
        if (change.source[i]) continue;
        for (std::size_t j = 0; j < old_listen.size(); ++j) {
            if (!used[j] && new_listen[i] == old_listen[j]) {
                change.source[i] = j;
                used[j] = true;
                break;
            }
        }
    }
    for (std::size_t j = 0; j < old_listen.size(); ++j)
        if (!used[j]) change.closed.push_back(j);
    return change;
}

ReloadPlan plan_reload(const std::map<std::string, Unit>& running, const unit::LoadResult& fresh) {
    ReloadPlan plan;
    for (const unit::Diagnostic& d : fresh.diagnostics) plan.problems.push_back(d.render());

    std::map<std::string, Unit> valid;
    for (const Unit& u : fresh.units) valid.emplace(u.name, u);

    std::set<std::string> failed;
    for (const std::string& file : fresh.failed_files) {
        std::string name = unit::unit_name_from_file(file);
        if (!valid.count(name)) failed.insert(name);
    }

    const std::set<std::string> unreadable = unreadable_directories(running, fresh);
    std::set<std::string> kept;
    std::set<std::string> rejected;
    for (const auto& [name, u] : running) {
        if (valid.count(name)) continue;
        if (failed.count(name) || unreadable.count(directory_of(u.file))) kept.insert(name);
    }
    for (const std::string& name : failed)
        if (!running.count(name)) rejected.insert(name);

    reject_clashes_with_kept(running, valid, kept, rejected, plan.problems);

    for (const auto& [name, old_unit] : running) {
        if (kept.count(name)) continue;
        auto it = valid.find(name);
        if (it == valid.end()) {
            plan.removed.push_back(name);
            continue;
        }
        const Unit& new_unit = it->second;
        UnitChange change;
        change.name = name;
        change.listeners = match_listeners(old_unit.listen, new_unit.listen);
        change.listeners_changed = !change.listeners.in_place();
        change.service_changed = !(old_unit.service == new_unit.service);
        if (!change.listeners_changed && !change.service_changed) {
            plan.unchanged.push_back(new_unit);  // description/file/positions: take the new
            continue;
        }
        change.new_unit = new_unit;
        plan.changed.push_back(std::move(change));
    }
    for (auto& [name, u] : valid)
        if (!running.count(name)) plan.added.push_back(u);
    plan.kept_invalid.assign(kept.begin(), kept.end());
    plan.rejected.assign(rejected.begin(), rejected.end());
    collect_rebinds(running, plan);
    return plan;
}

}  // namespace sv::daemon
