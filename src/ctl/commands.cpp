#include "ctl/commands.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <vector>

#include "control/exit_codes.hpp"
#include "control/paths.hpp"
#include "unit/names.hpp"

namespace sv::ctl {
namespace {

using control::Command;

constexpr std::array kTools{
    Tool{"status", "show units (all, or the named ones); exit 3 if any is not up", Command::status,
         UnitArgs::any},
    Tool{"start", "arm units (start eager services); clears 'failed'", Command::start,
         UnitArgs::at_least_one},
    Tool{"stop", "stop services and disarm units; their sockets stay bound", Command::stop,
         UnitArgs::at_least_one},
    Tool{"restart", "stop then start services; sockets stay open", Command::restart,
         UnitArgs::at_least_one},
    Tool{"reload", "re-read unit files and apply the difference (as SIGHUP)", Command::reload,
         UnitArgs::none},
};

// Checked here too, so a typo is a usage error (exit 2) before the daemon is asked.
const CLI::Validator kUnitName(
    [](std::string& name) {
        return unit::is_valid_unit_name(name) ? std::string()
                                              : "invalid unit name '" + unit::escaped(name) +
                                                    "' (1-64 characters of A-Z a-z 0-9 _ . -)";
    },
    "UNIT");

}  // namespace

std::span<const Tool> tools() {
    return kTools;
}

ParsedCommandLine parse_command_line(int argc, char** argv) {
    CLI::App app{"sockvisorctl: query and control sockvisord", "sockvisorctl"};
    Invocation inv;
    std::optional<std::string> control_path;
    app.add_option("--control", control_path,
                   "control socket (default: " + control::default_control_path() + ")");
    app.add_flag("--json", inv.json, "print the reply as JSON");
    app.require_subcommand(1);
    app.fallthrough();  // `status --json` works as well as `--json status`

    std::array<std::vector<std::string>, kTools.size()> units;
    std::array<CLI::App*, kTools.size()> subcommands{};
    for (std::size_t i = 0; i < kTools.size(); ++i) {
        const Tool& tool = kTools[i];
        subcommands[i] = app.add_subcommand(std::string(tool.name), std::string(tool.help));
        switch (tool.units) {
            case UnitArgs::none:
                break;
            case UnitArgs::any:
                subcommands[i]
                    ->add_option("UNIT", units[i], "units to show (default: all)")
                    ->check(kUnitName);
                break;
            case UnitArgs::at_least_one:
                subcommands[i]->add_option("UNIT", units[i], "units")->required()->check(kUnitName);
                break;
        }
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return {std::nullopt, code == 0 ? control::exit_code::kOk : control::exit_code::kUsage};
    }

    for (std::size_t i = 0; i < kTools.size(); ++i) {
        if (!subcommands[i]->parsed()) continue;
        inv.request = control::Request{kTools[i].cmd, std::move(units[i])};
    }
    inv.control_path = control_path.value_or(control::default_control_path());
    return {std::move(inv), control::exit_code::kOk};
}

}  // namespace sv::ctl
