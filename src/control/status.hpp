// What `status` reports about a unit (SPEC §7) as plain structs, their JSON form
// both ways, and the exit-code rule of `sockvisorctl status`. Pure: the daemon
// fills the structs; nothing here reads a clock or a process table.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sv::control {

// The service's last exit: exactly one of `code` and `signal` is set.
struct LastExit {
    std::optional<int> code;            // exit status 0..255
    std::optional<std::string> signal;  // "SIGKILL"; the number as text if it has no name
    double at = 0;                      // epoch seconds (wall clock)

    bool operator==(const LastExit&) const = default;
};

struct ListenStatus {
    std::string address;               // as declared: "/run/web/web.sock", "tcp://127.0.0.1:80"
    std::string type;                  // "stream", "dgram", "seqpacket"
    std::string name;                  // LISTEN_FDNAMES entry
    std::optional<std::string> mode;   // "0660"; pathname sockets only
    std::optional<std::string> owner;  // user name (or number); pathname sockets only
    std::optional<std::string> group;  // group name (or number); pathname sockets only
    int fd = -1;                       // the fd number the service receives (3, 4, ...)

    bool operator==(const ListenStatus&) const = default;
};

struct UnitStatus {
    std::string name;
    std::string state;  // SPEC §4: listening, starting, running, stopping, backoff, failed, stopped
    std::optional<long long> pid;    // main process; none for accept units and when not running
    std::optional<double> since;     // epoch seconds the unit entered `state`
    std::optional<double> uptime_s;  // seconds the main process has run (monotonic clock)
    std::uint64_t restarts = 0;      // automatic restarts since sockvisord started
    // accept = true units only (sockvisord cannot count connections a service
    // accepts itself): connections accepted so far and instances running now.
    std::optional<std::uint64_t> accepted;
    std::optional<std::uint64_t> active;
    std::optional<std::string> status_text;  // the service's last STATUS=
    std::optional<LastExit> last_exit;
    std::vector<ListenStatus> listen;

    bool operator==(const UnitStatus&) const = default;
};

// JSON in SPEC §7's field order; an absent optional is null (never omitted), so
// a reader sees every field. from_json throws nlohmann's exceptions on a missing
// or mistyped field (callers inside this module catch them); unknown fields are
// ignored so an older client reads a newer daemon's reply.
void to_json(nlohmann::ordered_json& j, const LastExit& e);
void from_json(const nlohmann::ordered_json& j, LastExit& e);
void to_json(nlohmann::ordered_json& j, const ListenStatus& l);
void from_json(const nlohmann::ordered_json& j, ListenStatus& l);
void to_json(nlohmann::ordered_json& j, const UnitStatus& u);
void from_json(const nlohmann::ordered_json& j, UnitStatus& u);

// True for the states SPEC §1.2 counts as healthy: listening, starting, running.
bool is_healthy_state(std::string_view state);

// `sockvisorctl status`: 0 when every shown unit is healthy (or none is shown),
// 3 when any is stopping, stopped, backoff, failed (or a state this client does
// not know).
int status_exit_code(const std::vector<UnitStatus>& units);

}  // namespace sv::control
