// sockvisord: the supervisor daemon. main() is a table of contents:
// parse arguments → load units → (--check: report and exit) → prepare the
// runtime dir → bind every socket → run the loop → exit status.
//
// Two phases, two failure rules: before the loop, a configuration error exits 1
// (with --strict any unit that fails to load or bind counts); inside the loop a
// unit's failure marks that unit failed and the daemon lives on.
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cstdio>
#include <cstdlib>

#include "activation/inherited_fds.hpp"
#include "daemon/inline_unit.hpp"
#include "daemon/logging.hpp"
#include "daemon/options.hpp"
#include "daemon/runtime_dir.hpp"
#include "daemon/supervisor.hpp"
#include "unit/loader.hpp"

using namespace sv;
using namespace sv::daemon;

namespace {

constexpr int kExitOk = 0, kExitStartupFailed = 1;
constexpr const char* kDefaultUnitDir = "/etc/sockvisor/units";

struct Loaded {
    std::vector<unit::Unit> units;
    unit::Diagnostics diagnostics;
    std::vector<std::string> failed_files;
};

Loaded load_units(const Options& o, const std::string& runtime_dir) {
    unit::LoadContext ctx{runtime_dir, std::getenv("PATH") ? std::getenv("PATH") : ""};
    std::vector<std::string> dirs = o.unit_dirs;
    if (dirs.empty() && !o.inline_unit && access(kDefaultUnitDir, F_OK) == 0)
        dirs.push_back(kDefaultUnitDir);
    Loaded out;
    if (!dirs.empty()) {
        auto result = unit::load_directories(dirs, ctx);
        out.units = std::move(result.units);
        out.diagnostics = std::move(result.diagnostics);
        out.failed_files = std::move(result.failed_files);
    }
    if (o.inline_unit) {
        if (auto u = load_inline_unit(*o.inline_unit, ctx, out.diagnostics)) {
            out.units.push_back(std::move(*u));
            unit::check_unique_addresses(out.units, out.diagnostics, out.failed_files);
        } else {
            out.failed_files.push_back(inline_unit_name(*o.inline_unit) + ".toml");
        }
    }
    return out;
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

    std::string runtime_dir = absolute_path(o.runtime_dir.value_or(default_runtime_dir()));
    Loaded loaded = load_units(o, runtime_dir);

    if (o.check) {  // validate only: every problem, on stdout, then 0 or 1
        for (const auto& d : loaded.diagnostics) std::printf("%s\n", d.render().c_str());
        std::printf("%zu units valid, %zu invalid\n", loaded.units.size(),
                    loaded.failed_files.size());
        return loaded.diagnostics.empty() ? kExitOk : kExitStartupFailed;
    }
    for (const auto& d : loaded.diagnostics) spdlog::error("{}", d.render());
    if (!loaded.diagnostics.empty() && o.strict) {
        spdlog::error("--strict: {} unit file(s) invalid; nothing was bound",
                      loaded.failed_files.size());
        return kExitStartupFailed;
    }

    auto dir = prepare_runtime_dir(runtime_dir);
    if (!dir) {
        spdlog::error("{}", dir.error().message());
        return kExitStartupFailed;
    }
    auto signals = SignalSource::open();
    auto loop = EventLoop::create();
    if (!signals || !loop) {
        spdlog::error("{}", (!signals ? signals.error() : loop.error()).message());
        return kExitStartupFailed;
    }

    SupervisorConfig config{*dir, o.strict, std::nullopt};
    if (o.inline_unit && o.inline_unit->eager && o.inline_unit->restart == "no")
        config.exit_with_unit = inline_unit_name(*o.inline_unit);
    std::vector<activation::InheritedFd> adoptable;
    if (inherited)
        adoptable = std::move(inherited.value());
    else
        spdlog::warn("ignoring inherited fds: {}", inherited.error().message());
    Supervisor supervisor(std::move(loop.value()), std::move(signals.value()), config,
                          std::move(adoptable));
    if (!supervisor.start(std::move(loaded.units), loaded.failed_files)) return kExitStartupFailed;
    return supervisor.run();
}
