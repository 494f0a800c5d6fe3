#include "control/status.hpp"

#include <algorithm>
#include <string_view>

#include "control/exit_codes.hpp"

namespace sv::control {
namespace {

using json = nlohmann::ordered_json;

template <class T>
json or_null(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

// Absent and null both read as "not set".
template <class T>
std::optional<T> optional_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return it->template get<T>();
}

template <class T>
T field_or(const json& j, const char* key, T fallback) {
    return optional_field<T>(j, key).value_or(std::move(fallback));
}

}  // namespace

void to_json(json& j, const LastExit& e) {
    j = json{{"code", or_null(e.code)}, {"signal", or_null(e.signal)}, {"at", e.at}};
}

void from_json(const json& j, LastExit& e) {
    e.code = optional_field<int>(j, "code");
    e.signal = optional_field<std::string>(j, "signal");
    e.at = field_or<double>(j, "at", 0);
}

void to_json(json& j, const ListenStatus& l) {
    j = json{{"address", l.address},
             {"type", l.type},
             {"name", l.name},
             {"mode", or_null(l.mode)},
             {"owner", or_null(l.owner)},
             {"group", or_null(l.group)},
             {"fd", l.fd}};
}

void from_json(const json& j, ListenStatus& l) {
    l.address = j.at("address").get<std::string>();
    l.type = j.at("type").get<std::string>();
    l.name = field_or<std::string>(j, "name", "");
    l.mode = optional_field<std::string>(j, "mode");
    l.owner = optional_field<std::string>(j, "owner");
    l.group = optional_field<std::string>(j, "group");
    l.fd = field_or<int>(j, "fd", -1);
}

void to_json(json& j, const UnitStatus& u) {
    j = json{{"name", u.name},
             {"state", u.state},
             {"pid", or_null(u.pid)},
             {"since", or_null(u.since)},
             {"uptime_s", or_null(u.uptime_s)},
             {"restarts", u.restarts},
             {"accepted", or_null(u.accepted)},
             {"active", or_null(u.active)},
             {"status_text", or_null(u.status_text)},
             {"last_exit", or_null(u.last_exit)},
             {"listen", u.listen}};
}

void from_json(const json& j, UnitStatus& u) {
    u.name = j.at("name").get<std::string>();
    u.state = j.at("state").get<std::string>();
    u.pid = optional_field<long long>(j, "pid");
    u.since = optional_field<double>(j, "since");
    u.uptime_s = optional_field<double>(j, "uptime_s");
    u.restarts = field_or<std::uint64_t>(j, "restarts", 0);
    u.accepted = optional_field<std::uint64_t>(j, "accepted");
    u.active = optional_field<std::uint64_t>(j, "active");
    u.status_text = optional_field<std::string>(j, "status_text");
    u.last_exit = optional_field<LastExit>(j, "last_exit");
    u.listen = field_or<std::vector<ListenStatus>>(j, "listen", {});
}

bool is_healthy_state(std::string_view state) {
    return state == "listening" || state == "starting" || state == "running";
}

int status_exit_code(const std::vector<UnitStatus>& units) {
    bool all_healthy = std::all_of(units.begin(), units.end(),
                                   [](const UnitStatus& u) { return is_healthy_state(u.state); });
    return all_healthy ? exit_code::kOk : exit_code::kNotHealthy;
}

}  // namespace sv::control
