// The reload diff (SPEC §6): the running units and a fresh LoadResult in, a plan
// out — what to keep, close, bind, stop and add. Pure: no syscalls, no logging,
// no clock; it never applies anything (the Supervisor does, in the order below).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "unit/loader.hpp"
#include "unit/unit.hpp"

namespace sv::daemon {

// How one unit's listeners map from its running version to its new one. Listeners
// are matched by full ListenSpec equality (the position in the file is ignored):
// an identical spec keeps its socket, with the same fd, even if it moved in the
// file. Any other difference (mode, backlog, name, ...) closes the old socket and
// binds a new one — only for that listener.
struct ListenerChange {
    // One entry per listener of the NEW unit, in the new file order (which is the
    // fd order the service gets at its next start): the index in the running
    // unit's `listen` whose socket it keeps, or nullopt when it must be bound.
    std::vector<std::optional<std::size_t>> source;
    // Indices in the running unit's `listen` whose sockets close, ascending.
    std::vector<std::size_t> closed;

    // Indices in the new unit's `listen` to bind, ascending.
    std::vector<std::size_t> to_bind() const;
    // Every socket kept at its old index: nothing closes, nothing binds, same order.
    bool in_place() const;
};

// A unit present before and after whose [service] or [[listen]] differ.
struct UnitChange {
    std::string name;
    // [service] differs. It takes effect at the next start: the running process is
    // NOT restarted. (If `accept` flipped, the runner kind differs too.)
    bool service_changed = false;
    // !listeners.in_place(): some socket closes, some binds, or the fd order moved.
    // The running process keeps the copies of the old sockets it already has; the
    // new set, in the new order, is what its next start receives.
    bool listeners_changed = false;
    unit::Unit new_unit;  // the definition to store (description, file, positions too)
    ListenerChange listeners;
};

// An address whose socket closes and is bound again in this reload: a listener
// whose options changed in place, or an address moved from one unit to another.
// Informational (for the log and the reply) — the order of operations below is
// what makes it work.
struct Rebind {
    std::string address;     // canonical text (net::to_string)
    std::string from_unit;   // the unit whose socket closes
    std::size_t from_index;  // in its running `listen`
    std::string to_unit;     // the unit that binds it (may be the same unit)
    std::size_t to_index;    // in its new `listen`
};

// Every list is sorted by unit name. A name appears in exactly one of
// unchanged / changed / removed / added / kept_invalid / rejected.
//
// Order of application (so an address can move between units, or a listener be
// re-created in place, in one reload):
//   1. removed: stop the service; close its sockets and unlink the pathname
//      sockets and symlinks now (remove_on_stop) — not when the process exits,
//      or the late unlink would delete the socket step 3 binds at that path.
//   2. changed: close `listeners.closed` (unlink likewise).
//   3. changed: bind `listeners.to_bind()`; added: bind every listener.
//   4. added: start eager services; changed: store `new_unit` for the next start.
// Closes first, then binds. A closed socket is never handed over to another unit
// (each fd keeps one owner). Caveat for tcp/udp: a still-running service keeps
// its inherited copy of a closed socket, so re-binding that port fails with
// EADDRINUSE until the process exits; the applier reports it like any bind failure.
struct ReloadPlan {
    // Same [[listen]] (same order) and [service]: keep sockets, fds and process.
    // Holds the fresh definition: description, file and positions may be newer.
    std::vector<unit::Unit> unchanged;
    std::vector<UnitChange> changed;
    // Running, and its file is gone (and not merely unreadable): stop, close, unlink.
    std::vector<std::string> removed;
    // New and valid: bind and start.
    std::vector<unit::Unit> added;
    // Running, and its file is invalid now (or its directory is unreadable, or it
    // now clashes with a kept unit): the running version stays untouched.
    std::vector<std::string> kept_invalid;
    // Not running and invalid (still invalid since startup, a new broken file, or a
    // new unit claiming an address a kept unit holds): reported, not added.
    std::vector<std::string> rejected;
    std::vector<Rebind> rebinds;
    // Rendered diagnostics, "FILE:LINE:COL: message": the loader's, then the clashes
    // with kept units found here.
    std::vector<std::string> problems;

    // True when applying the plan would change nothing that runs.
    bool no_op() const { return changed.empty() && removed.empty() && added.empty(); }
};

// `running`: name → the definition the daemon runs now (every unit it has, failed
// ones included). `fresh`: the loader's result for the same directories.
//
// A unit's file is matched by name (the base name without ".toml"). A name in
// `fresh.units` is valid even if a duplicate file of that name elsewhere failed.
// A running unit from a directory that could not be listed (a diagnostic on the
// directory itself) is kept, not removed: a transient EACCES or EIO must not stop
// every service of that directory.
ReloadPlan plan_reload(const std::map<std::string, unit::Unit>& running,
                       const unit::LoadResult& fresh);

// The listener mapping alone (exposed for tests and for the status reply).
ListenerChange match_listeners(const std::vector<unit::ListenSpec>& old_listen,
                               const std::vector<unit::ListenSpec>& new_listen);

}  // namespace sv::daemon
