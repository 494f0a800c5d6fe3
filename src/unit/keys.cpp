#include "unit/keys.hpp"

#include <array>
#include <vector>

#include "unit/suggest.hpp"

namespace sv::unit {
namespace {

using S = Section;

constexpr std::array kKeys{
    KeyInfo{S::top, "description", "string", "\"\""},
    KeyInfo{S::top, "listen", "array of tables", "required"},
    KeyInfo{S::top, "service", "table", "required"},

    KeyInfo{S::listen, "address", "string", "required"},
    KeyInfo{S::listen, "type", "stream | dgram | seqpacket", "stream"},
    KeyInfo{S::listen, "name", "string", "the unit name"},
    KeyInfo{S::listen, "owner", "user name or numeric uid", "sockvisord's user"},
    KeyInfo{S::listen, "group", "group name or numeric gid", "sockvisord's group"},
    KeyInfo{S::listen, "mode", "octal mode", "\"0660\""},
    KeyInfo{S::listen, "directory_mode", "octal mode", "\"0755\""},
    KeyInfo{S::listen, "overwrite", "stale | leave | always", "stale"},
    KeyInfo{S::listen, "remove_on_stop", "boolean", "true"},
    KeyInfo{S::listen, "symlinks", "array of paths", "[]"},
    KeyInfo{S::listen, "backlog", "integer", "SOMAXCONN"},
    KeyInfo{S::listen, "pass_credentials", "boolean", "false"},
    KeyInfo{S::listen, "receive_buffer", "integer (bytes)", "the kernel's"},
    KeyInfo{S::listen, "send_buffer", "integer (bytes)", "the kernel's"},
    KeyInfo{S::listen, "reuse_port", "boolean", "false"},
    KeyInfo{S::listen, "ipv6_only", "boolean", "false"},

    KeyInfo{S::service, "exec", "array of strings", "required"},
    KeyInfo{S::service, "accept", "boolean", "false"},
    KeyInfo{S::service, "max_connections", "integer", "256"},
    KeyInfo{S::service, "start", "on-demand | eager", "on-demand"},
    KeyInfo{S::service, "user", "user name or numeric uid", "sockvisord's user"},
    KeyInfo{S::service, "group", "group name or numeric gid", "the user's primary group"},
    KeyInfo{S::service, "supplementary_groups", "array of group names or gids", "[]"},
    KeyInfo{S::service, "working_directory", "absolute path", "\"/\""},
    KeyInfo{S::service, "environment", "table of strings", "{}"},
    KeyInfo{S::service, "umask", "octal mode", "\"0022\""},
    KeyInfo{S::service, "stdout", "log | inherit | null", "log"},
    KeyInfo{S::service, "stderr", "log | inherit | null", "log"},
    KeyInfo{S::service, "restart", "no | on-failure | always", "on-failure"},
    KeyInfo{S::service, "restart_delay", "duration", "\"100ms\""},
    KeyInfo{S::service, "restart_delay_max", "duration", "\"10s\""},
    KeyInfo{S::service, "start_limit_burst", "integer", "5"},
    KeyInfo{S::service, "start_limit_interval", "duration", "\"10s\""},
    KeyInfo{S::service, "ready", "started | notify", "started"},
    KeyInfo{S::service, "start_timeout", "duration", "\"30s\""},
    KeyInfo{S::service, "notify_access", "main | all", "main"},
    KeyInfo{S::service, "stop_signal", "signal name", "\"SIGTERM\""},
    KeyInfo{S::service, "stop_timeout", "duration", "\"10s\""},
    KeyInfo{S::service, "fd_store_max", "integer", "0"},
};

}  // namespace

std::span<const KeyInfo> unit_keys() {
    return kKeys;
}

std::string_view section_title(Section section) {
    switch (section) {
        case Section::top:
            return "the top level";
        case Section::listen:
            return "[[listen]]";
        case Section::service:
            return "[service]";
    }
    return "?";
}

bool is_known_key(Section section, std::string_view name) {
    for (const KeyInfo& k : kKeys)
        if (k.section == section && k.name == name) return true;
    return false;
}

std::optional<std::string_view> suggest_key(Section section, std::string_view name) {
    std::vector<std::string_view> names;
    for (const KeyInfo& k : kKeys)
        if (k.section == section) names.push_back(k.name);
    return closest_match(name, names);
}

}  // namespace sv::unit
