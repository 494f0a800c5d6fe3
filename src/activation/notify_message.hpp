// NotifyMessage: the text of one NOTIFY_SOCKET datagram (sd_notify(3)) parsed
// into plain data. Pure: never reads a socket, checks who sent it (notify_access)
// or acts on it (the lifecycle does); never logs — odd fields are listed instead.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace sv::activation {

struct NotifyMessage {
    bool ready = false;      // READY=1
    bool reloading = false;  // RELOADING=1
    bool stopping = false;   // STOPPING=1
    // STATUS=...: valid UTF-8, control characters replaced (see parse). An empty
    // value is kept as "" (systemd: clears the status text).
    std::optional<std::string> status;
    std::optional<pid_t> mainpid;       // MAINPID=N, N > 0
    std::optional<int> errno_value;     // ERRNO=N, 0 <= N <= limits::kMaxNotifyErrno
    bool fdstore = false;               // FDSTORE=1
    std::optional<std::string> fdname;  // FDNAME=: a valid LISTEN_FDNAMES name
    bool fdstoreremove = false;         // FDSTOREREMOVE=1
    bool barrier = false;               // BARRIER=1 (then nothing else is set)
    bool watchdog = false;              // WATCHDOG=1 / WATCHDOG=trigger: recognised, not acted on
    // Assignments that were not applied, each as "LINE: reason" (unknown key, bad
    // value, repeated key, ignored by design), for the daemon to log at debug.
    std::vector<std::string> ignored;

    bool operator==(const NotifyMessage&) const = default;
};

// Parses one datagram. The whole message is rejected (error.detail says why) when
// it is larger than limits::kMaxNotifyMessageBytes, contains a NUL byte, has a
// non-empty line without '=' or with an empty key, or has no assignment at all.
// A bad value of a known key only drops that assignment (into `ignored`), as
// systemd does, so a service with a garbled STATUS= still becomes ready.
Result<NotifyMessage> parse_notify_message(std::string_view text);

// A LISTEN_FDNAMES / FDNAME= name: 1..limits::kMaxFdNameLength printable ASCII
// characters (0x20..0x7e), no ':' (the LISTEN_FDNAMES separator).
bool is_valid_fd_name(std::string_view name);

}  // namespace sv::activation
