// sockvisord: the supervisor daemon. main() is a table of contents:
// take inherited fds → parse arguments → load units → (--check: report, exit) →
// prepare the runtime dir → bind every socket and start → run the loop → exit.
//
// Two phases, two failure rules: before the loop, a configuration error exits 1
// (with --strict any unit that fails to load or bind counts); inside the loop a
// unit's failure marks that unit failed and the daemon lives on.
#include <malloc.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "activation/inherited_fds.hpp"
#include "base/identity.hpp"
#include "control/paths.hpp"
#include "daemon/inline_unit.hpp"
#include "daemon/logging.hpp"
#include "daemon/options.hpp"
#include "daemon/runtime_dir.hpp"
#include "daemon/supervisor.hpp"
#include "supervise/spawner.hpp"
#include "unit/loader.hpp"

using namespace sv;
using namespace sv::daemon;

namespace {

constexpr int kExitOk = 0, kExitStartupFailed = 1;
constexpr const char* kDefaultUnitDir = "/etc/sockvisor/units";

std::vector<std::string> unit_dirs(const Options& o) {
    if (!o.unit_dirs.empty() || o.inline_unit) return o.unit_dirs;
    if (access(kDefaultUnitDir, F_OK) == 0) return {kDefaultUnitDir};
    return {};
}

// `inline_failed`: the flags' unit is invalid — like a usage mistake, there is
// nothing to run without it, so sockvisord exits 1 even without --strict.
InitialUnits load_units(const Options& o, const std::vector<std::string>& dirs,
                        const unit::LoadContext& ctx, bool& inline_failed) {
    InitialUnits out;
    if (!dirs.empty()) {
        auto result = unit::load_directories(dirs, ctx);
        out.units = std::move(result.units);
        out.diagnostics = std::move(result.diagnostics);
        out.failed_files = std::move(result.failed_files);
    }
    if (o.inline_unit) {
        std::string name = inline_unit_name(*o.inline_unit);
        if (auto u = load_inline_unit(*o.inline_unit, ctx, out.diagnostics)) {
            out.units.push_back(std::move(*u));
            unit::check_unique_addresses(out.units, out.diagnostics, out.failed_files);
        } else {
            out.failed_files.push_back(name + ".toml");
        }
        inline_failed = std::none_of(out.units.begin(), out.units.end(),
                                     [&](const unit::Unit& u) { return u.name == name; });
    }
    return out;
}

int check_only(const InitialUnits& loaded) {
    for (const auto& d : loaded.diagnostics) std::printf("%s\n", d.render().c_str());
    std::printf("%zu units valid, %zu invalid\n", loaded.units.size(), loaded.failed_files.size());
    return loaded.diagnostics.empty() ? kExitOk : kExitStartupFailed;
}

}  // namespace

int main(int argc, char** argv) {
    // First, before anything opens an fd: sockets our own parent passed us
    // (systemd socket units, systemd-socket-activate), to be adopted.
    auto inherited = activation::take_inherited_fds();
    ParsedArgs args = parse_args(argc, argv);
    if (!args.options) return args.exit_code;
    const Options& o = *args.options;
    setup_logging(o.log_level, o.log_format);

    std::string runtime_dir = absolute_path(o.runtime_dir.value_or(control::default_runtime_dir()));
    const char* path_env = std::getenv("PATH");
    unit::LoadContext load_context{runtime_dir, path_env ? path_env : ""};
    std::vector<std::string> dirs = unit_dirs(o);
    bool inline_failed = false;
    InitialUnits loaded = load_units(o, dirs, load_context, inline_failed);
    if (o.check) return check_only(loaded);

    for (const auto& d : loaded.diagnostics) spdlog::error("{}", d.render());
    if (inline_failed) {
        spdlog::error("the command line's unit is invalid; nothing was bound");
        return kExitStartupFailed;
    }
    if (!loaded.diagnostics.empty() && o.strict) {
        spdlog::error("--strict: {} unit file(s) invalid; nothing was bound",
                      loaded.failed_files.size());
        return kExitStartupFailed;
    }

    SupervisorConfig config;
    if (o.control_group) {
        auto gid = lookup_group(*o.control_group);
        if (!gid) {
            spdlog::error("--control-group: no such group '{}'", *o.control_group);
            return kExitStartupFailed;
        }
        config.control_group = control::ControlGroup{*gid, *o.control_group};
    }
    auto dir = prepare_runtime_dir(runtime_dir);
    auto signals = SignalSource::open();
    // No disposition changes after this point: children reset only what is set.
    supervise::reset_signals_in_children(supervise::SignalReset::non_default_now);
    auto loop = EventLoop::create();
    // Opened once now, so that no spawn ever needs a fresh fd for a "null" stdio
    // (at the fd limit that would fail after a connection was accepted).
    auto dev_null = supervise::dev_null_fd();
    for (const SysError* e :
         {dir ? nullptr : &dir.error(), signals ? nullptr : &signals.error(),
          loop ? nullptr : &loop.error(), dev_null ? nullptr : &dev_null.error()}) {
        if (!e) continue;
        spdlog::error("{}", e->message());
        return kExitStartupFailed;
    }

    config.runtime_dir = *dir;
    config.strict = o.strict;
    config.control_path = absolute_path(o.control_path.value_or(control::control_socket_in(*dir)));
    config.unit_dirs = dirs;
    config.load_context = load_context;
    if (o.inline_unit) {
        config.inline_unit = inline_unit_name(*o.inline_unit);
        config.exit_with_inline_unit = o.inline_unit->eager && o.inline_unit->restart == "no";
    }
    std::vector<activation::InheritedFd> adoptable;
    if (inherited)
        adoptable = std::move(inherited.value());
    else
        spdlog::warn("ignoring inherited fds: {}", inherited.error().message());

    Supervisor supervisor(std::move(loop.value()), std::move(signals.value()), std::move(config),
                          std::move(adoptable));
    if (!supervisor.start(std::move(loaded))) return kExitStartupFailed;
    // The loader's file texts and TOML trees are freed but still held by malloc;
    // give them back before the daemon idles (docs/design.md "Memory").
    malloc_trim(0);
    return supervisor.run();
}
