#include "unit/service_table.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "base/limits.hpp"
#include "unit/exec_path.hpp"
#include "unit/names.hpp"
#include "unit/ranges.hpp"
#include "unit/service_identity.hpp"
#include "unit/signal_names.hpp"

namespace sv::unit {
namespace {

constexpr std::array<std::pair<std::string_view, StartMode>, 2> kStart{{
    {"on-demand", StartMode::on_demand},
    {"eager", StartMode::eager},
}};
constexpr std::array<std::pair<std::string_view, Output>, 3> kOutput{{
    {"log", Output::log},
    {"inherit", Output::inherit},
    {"null", Output::null},
}};
constexpr std::array<std::pair<std::string_view, RestartPolicy>, 3> kRestart{{
    {"no", RestartPolicy::no},
    {"on-failure", RestartPolicy::on_failure},
    {"always", RestartPolicy::always},
}};
constexpr std::array<std::pair<std::string_view, Ready>, 2> kReady{{
    {"started", Ready::started},
    {"notify", Ready::notify},
}};
constexpr std::array<std::pair<std::string_view, NotifyAccess>, 2> kNotifyAccess{{
    {"main", NotifyAccess::main},
    {"all", NotifyAccess::all},
}};

class ServiceReader {
  public:
    ServiceReader(Reader& r, const toml::table& t, const LoadContext& ctx)
        : r_(r), table_(t), ctx_(ctx) {}

    std::optional<ServiceSpec> read() {
        const std::size_t errors_before = r_.error_count();
        r_.reject_unknown_keys(table_, Section::service);
        if (auto e = find_entry(table_, "exec")) {
            read_exec(*e);
        } else {
            r_.error(position(table_),
                     "[service] needs key 'exec' (the program and its "
                     "arguments, e.g. exec = [\"/usr/bin/app\", \"--flag\"])");
        }
        for (const auto& [key, node] : table_) {
            if (key.str() != "exec" && is_known_key(Section::service, key.str()))
                read_key(Entry{&key, &node});
        }
        resolve_identity(r_, table_, spec_);
        check_between_keys();
        if (r_.error_count() != errors_before) return std::nullopt;
        return std::move(spec_);
    }

  private:
    void read_key(const Entry& e) {
        const std::string_view k = e.name();
        if (k == "accept") {
            if (auto b = r_.boolean(e)) spec_.accept = *b;
        } else if (k == "max_connections") {
            if (auto v = r_.integer(e, 1, limits::kMaxConnectionsCeiling))
                spec_.max_connections = *v;
        } else if (k == "start") {
            if (auto v = r_.choice<StartMode>(e, kStart)) spec_.start = *v;
        } else if (k == "working_directory") {
            read_working_directory(e);
        } else if (k == "environment") {
            read_environment(e);
        } else if (k == "umask") {
            if (auto m = r_.mode(e, 0777, "0022")) spec_.umask = *m;
        } else if (k == "stdout") {
            if (auto v = r_.choice<Output>(e, kOutput)) spec_.stdout_mode = *v;
        } else if (k == "stderr") {
            if (auto v = r_.choice<Output>(e, kOutput)) spec_.stderr_mode = *v;
        } else if (k == "restart") {
            if (auto v = r_.choice<RestartPolicy>(e, kRestart)) spec_.restart = *v;
        } else if (k == "restart_delay") {
            if (auto d = r_.duration(e)) spec_.restart_delay = *d;
        } else if (k == "restart_delay_max") {
            if (auto d = r_.duration(e)) spec_.restart_delay_max = *d;
        } else if (k == "start_limit_burst") {
            if (auto v = r_.integer(e, 1, ranges::kMaxStartLimitBurst))
                spec_.start_limit_burst = static_cast<int>(*v);
        } else if (k == "start_limit_interval") {
            if (auto d = positive_duration(e)) spec_.start_limit_interval = *d;
        } else if (k == "ready") {
            if (auto v = r_.choice<Ready>(e, kReady)) spec_.ready = *v;
        } else if (k == "start_timeout") {
            if (auto d = positive_duration(e)) spec_.start_timeout = *d;
        } else if (k == "notify_access") {
            if (auto v = r_.choice<NotifyAccess>(e, kNotifyAccess)) spec_.notify_access = *v;
        } else if (k == "stop_signal") {
            read_stop_signal(e);
        } else if (k == "stop_timeout") {
            if (auto d = r_.duration(e)) spec_.stop_timeout = *d;
        } else if (k == "fd_store_max") {
            if (auto v = r_.integer(e, 0, ranges::kMaxFdStore))
                spec_.fd_store_max = static_cast<int>(*v);
        }
        // user, group, supplementary_groups: resolve_identity.
    }

    std::optional<Duration> positive_duration(const Entry& e) {
        auto d = r_.duration(e);
        if (d && d->count() == 0) {
            r_.error(e.value_pos(), "key '" + std::string(e.name()) + "' must be longer than 0");
            return std::nullopt;
        }
        return d;
    }

    void read_exec(const Entry& e) {
        auto argv = r_.string_array(e);
        if (!argv) return;
        if (argv->empty()) {
            r_.error(e.value_pos(),
                     "key 'exec' must not be empty: it holds the program and its "
                     "arguments");
            return;
        }
        if (argv->size() > limits::kMaxArgv) {
            r_.error(e.value_pos(), "key 'exec' has " + std::to_string(argv->size()) +
                                        " entries; at most " + std::to_string(limits::kMaxArgv) +
                                        " are allowed");
            return;
        }
        const std::string& program = argv->front();
        const SourcePos pos = position(*e.node->as_array()->get(0));
        const std::string shown = "exec[0] '" + escaped(program) + "'";
        if (program.empty()) {
            r_.error(pos, "exec[0] must not be empty: it names the program to run");
            return;
        }
        if (program.size() > ranges::kMaxPathLength) {
            r_.error(pos, "exec[0] is " + std::to_string(program.size()) +
                              " bytes; a path holds "
                              "at most " +
                              std::to_string(ranges::kMaxPathLength));
            return;
        }
        if (program.find('/') == std::string::npos) {
            auto found = find_in_path(program, ctx_.path_env);
            if (!found) {
                r_.error(pos, shown + " was not found as an executable file in PATH (" +
                                  escaped(ctx_.path_env) + ")");
                return;
            }
            (*argv)[0] = *found;
        } else if (program.front() != '/') {
            r_.error(pos, shown +
                              " must be an absolute path or a bare program name to look up "
                              "in PATH");
            return;
        }
        spec_.exec = std::move(*argv);
    }

    void read_working_directory(const Entry& e) {
        auto dir = r_.string(e);
        if (!dir) return;
        if (dir->empty() || dir->front() != '/' || dir->size() > ranges::kMaxPathLength) {
            r_.error(e.value_pos(), "key 'working_directory' must be an absolute path of at most " +
                                        std::to_string(ranges::kMaxPathLength) + " bytes, not \"" +
                                        escaped(*dir) + "\"");
            return;
        }
        spec_.working_directory = *dir;
    }

    void read_environment(const Entry& e) {
        const auto* table = e.node->as_table();
        if (!table) {
            r_.error(e.value_pos(),
                     "key 'environment' must be a table of strings "
                     "(environment = { NAME = \"value\" }), not " +
                         type_phrase(*e.node));
            return;
        }
        if (table->size() > ranges::kMaxEnvironmentEntries) {
            r_.error(e.value_pos(), "key 'environment' has " + std::to_string(table->size()) +
                                        " entries; at most " +
                                        std::to_string(ranges::kMaxEnvironmentEntries) +
                                        " are allowed");
            return;
        }
        for (const auto& [key, node] : *table) {
            const std::string name(key.str());
            const std::string shown = "environment variable '" + escaped(name) + "'";
            if (!is_valid_env_name(name)) {
                r_.error(position(key), shown +
                                            " must be named with letters, digits and '_', "
                                            "not starting with a digit");
            } else if (is_reserved_env_name(name)) {
                r_.error(position(key),
                         shown + " is set by sockvisord and cannot be set by a unit");
            } else if (const auto* value = node.as_string(); !value) {
                r_.error(position(node), shown + " must be a string, not " + type_phrase(node));
            } else if (value->get().find('\0') != std::string::npos) {
                r_.error(position(node), shown + " must not contain a NUL byte (\\u0000)");
            } else {
                spec_.environment[name] = value->get();
            }
        }
    }

    void read_stop_signal(const Entry& e) {
        auto text = r_.string(e);
        if (!text) return;
        if (auto number = parse_signal_name(*text)) {
            spec_.stop_signal = *number;
            return;
        }
        r_.error(e.value_pos(),
                 "key 'stop_signal' must be a signal name such as \"SIGTERM\", "
                 "\"SIGINT\" or \"SIGQUIT\", not \"" +
                     escaped(*text) + "\"");
    }

    void check_between_keys() {
        if (auto e = find_entry(table_, "max_connections"); e && !spec_.accept)
            r_.error(e->key_pos(), "key 'max_connections' applies only with accept = true");
        if (auto e = find_entry(table_, "start_timeout"); e && spec_.ready != Ready::notify)
            r_.error(e->key_pos(), "key 'start_timeout' applies only with ready = \"notify\"");
        if (auto e = find_entry(table_, "start");
            e && spec_.accept && spec_.start == StartMode::eager)
            r_.error(e->value_pos(),
                     "key 'start' cannot be \"eager\" with accept = true: each "
                     "connection starts its own instance");
        if (spec_.restart_delay > spec_.restart_delay_max) {
            auto e = find_entry(table_, "restart_delay");
            if (!e) e = find_entry(table_, "restart_delay_max");
            r_.error(e ? e->value_pos() : position(table_),
                     "restart_delay (" + format_duration(spec_.restart_delay) +
                         ") must not be longer than restart_delay_max (" +
                         format_duration(spec_.restart_delay_max) + ")");
        }
    }

    Reader& r_;
    const toml::table& table_;
    const LoadContext& ctx_;
    ServiceSpec spec_;
};

}  // namespace

std::optional<ServiceSpec> read_service(Reader& r, const toml::table& table,
                                        const LoadContext& ctx) {
    return ServiceReader(r, table, ctx).read();
}

}  // namespace sv::unit
