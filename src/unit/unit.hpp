// The unit model: plain, already-validated data. The loader builds it from TOML;
// every other module reads it. No behaviour here beyond trivial helpers.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/duration.hpp"
#include "net/address.hpp"
#include "unit/diagnostic.hpp"

namespace sv::unit {

enum class SocketType { stream, dgram, seqpacket };
enum class Overwrite { stale, leave, always };
enum class StartMode { on_demand, eager };
enum class RestartPolicy { no, on_failure, always };
enum class Ready { started, notify };
enum class NotifyAccess { main, all };
enum class Output { log, inherit, null };

// An owner or group as declared, resolved at load time.
struct Principal {
    std::string name;  // as written in the unit (or the resolved name)
    unsigned id = 0;   // uid or gid
};

struct ListenSpec {
    std::string address_text;  // as written in the unit file
    net::Address address;      // parsed; relative paths already joined to the runtime dir
    SocketType type = SocketType::stream;
    std::string name;                  // LISTEN_FDNAMES entry; defaults to the unit name
    std::optional<Principal> owner;    // pathname only; nullopt = sockvisord's own
    std::optional<Principal> group;    // pathname only; nullopt = sockvisord's own
    mode_t mode = 0660;                // pathname only
    mode_t directory_mode = 0755;      // parents that sockvisord creates
    Overwrite overwrite = Overwrite::stale;
    bool remove_on_stop = true;
    std::vector<std::string> symlinks;  // absolute paths (relative joined to the runtime dir)
    int backlog = SOMAXCONN;
    bool pass_credentials = false;
    std::optional<int> receive_buffer;
    std::optional<int> send_buffer;
    bool reuse_port = false;
    bool ipv6_only = false;
    SourcePos pos;  // of the [[listen]] table, for messages

    bool operator==(const ListenSpec&) const;  // ignores pos
};

struct ServiceSpec {
    std::vector<std::string> exec;  // exec[0] resolved to an absolute path at load time
    bool accept = false;
    long max_connections = 256;
    StartMode start = StartMode::on_demand;
    std::optional<std::string> user;                 // name as declared
    std::optional<std::string> group;                // name as declared
    std::vector<std::string> supplementary_groups;   // names as declared
    // Resolved identity (valid when `user` or `group` is set).
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::vector<gid_t> groups;  // full supplementary list to set (user's own + declared)
    std::string working_directory = "/";
    std::map<std::string, std::string> environment;
    mode_t umask = 0022;
    Output stdout_mode = Output::log;
    Output stderr_mode = Output::log;
    RestartPolicy restart = RestartPolicy::on_failure;
    Duration restart_delay{100};
    Duration restart_delay_max{10000};
    int start_limit_burst = 5;
    Duration start_limit_interval{10000};
    Ready ready = Ready::started;
    Duration start_timeout{30000};
    NotifyAccess notify_access = NotifyAccess::main;
    int stop_signal = 15;  // SIGTERM
    Duration stop_timeout{10000};
    int fd_store_max = 0;

    bool operator==(const ServiceSpec&) const = default;
};

struct Unit {
    std::string name;  // file name without .toml
    std::string file;  // path it was loaded from
    std::string description;
    std::vector<ListenSpec> listen;
    ServiceSpec service;
};

std::string_view to_string(SocketType t);
std::string_view to_string(Overwrite o);
std::string_view to_string(StartMode s);
std::string_view to_string(RestartPolicy r);
std::string_view to_string(Ready r);
std::string_view to_string(NotifyAccess n);
std::string_view to_string(Output o);

}  // namespace sv::unit
