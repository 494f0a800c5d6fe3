#include "daemon/options.hpp"

#include <CLI/CLI.hpp>
#include <cstring>

namespace sv::daemon {

ParsedArgs parse_args(int argc, char** argv) {
    // Split at the first "--" ourselves: everything after it is the inline
    // service's argv and must reach it untouched, even words that look like flags.
    std::vector<std::string> command;
    int own_argc = argc;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0) {
            own_argc = i;
            command.assign(argv + i + 1, argv + argc);
            break;
        }
    }

    CLI::App app{"sockvisord: bind every socket before any service starts, then supervise",
                 "sockvisord"};
    Options o;
    InlineOptions in;
    app.add_option("--units", o.unit_dirs, "load every *.toml in DIR (repeatable)");
    app.add_option("--runtime-dir", o.runtime_dir,
                   "relative socket paths, control and notify sockets live here");
    app.add_option("--control", o.control_path,
                   "control socket (default RUNTIME_DIR/control.sock)");
    app.add_option("--control-group", o.control_group, "members may run read-only commands");
    app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    app.add_option("--log-format", o.log_format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    app.add_flag("--strict", o.strict, "any unit that fails to load or bind fails startup");
    app.add_flag("--check", o.check, "validate the units, print every problem, bind nothing");

    auto* inline_group =
        app.add_option_group("inline", "one implicit unit: ... -- COMMAND [ARG]...");
    inline_group->add_option("--listen", in.listen, "address to bind (repeatable)");
    inline_group->add_option("--type", in.type, "stream, dgram or seqpacket");
    inline_group->add_option("--name", in.name, "LISTEN_FDNAMES name");
    inline_group->add_option("--owner", in.owner, "socket owner");
    inline_group->add_option("--group", in.group, "socket group");
    inline_group->add_option("--mode", in.mode, "socket mode, e.g. 0660");
    inline_group->add_flag("--accept", in.accept, "one instance per connection");
    inline_group->add_flag("--eager", in.eager, "start the service at once");
    inline_group->add_option("--restart", in.restart, "no, on-failure or always")
        ->check(CLI::IsMember({"no", "on-failure", "always"}));

    std::vector<std::string> args(argv + 1, argv + own_argc);
    std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
    try {
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return {std::nullopt, code == 0 ? 0 : 2};
    }

    if (!in.listen.empty() || !command.empty()) {
        if (in.listen.empty()) {
            std::fprintf(stderr, "sockvisord: a command after '--' needs at least one --listen\n");
            return {std::nullopt, 2};
        }
        if (command.empty()) {
            std::fprintf(stderr, "sockvisord: --listen needs a command after '--'\n");
            return {std::nullopt, 2};
        }
        in.command = std::move(command);
        o.inline_unit = std::move(in);
    } else if (in.type || in.name || in.owner || in.group || in.mode || in.restart || in.accept ||
               in.eager) {
        std::fprintf(stderr, "sockvisord: inline options need --listen ADDRESS ... -- COMMAND\n");
        return {std::nullopt, 2};
    }
    return {std::move(o), 0};
}

}  // namespace sv::daemon
