// ChildPlan: everything a service process receives (path, argv, envp, fd plan,
// identity, directory, umask) as a plain value, built before fork from a unit and
// the fds the caller holds. Pure: never forks, opens, looks up users or reads the
// environment (capture_host_env() is the one exception, kept apart for the caller).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/identity.hpp"
#include "unit/unit.hpp"

namespace sv::activation {

// What one of fds 0, 1, 2 becomes in the child.
enum class StdioKind {
    null,     // /dev/null (opened by the Spawner before fork)
    inherit,  // whatever sockvisord has on that fd number
    fd,       // a source fd the caller owns (a log pipe, an accepted connection)
};

struct Stdio {
    StdioKind kind = StdioKind::null;
    int fd = -1;  // source fd when kind == fd (borrowed: the caller keeps ownership)

    bool operator==(const Stdio&) const = default;
};

// The fixed width reserved for the LISTEN_PID digits. pid_max is at most 2^22
// (PID_MAX_LIMIT, 7 digits) on 64-bit kernels; 10 digits hold any positive int.
inline constexpr std::size_t kListenPidDigits = 10;
inline constexpr std::string_view kListenPidPrefix = "LISTEN_PID=";
// Placeholder the Spawner overwrites in the child: not a number, so a child of a
// spawner that forgot to fill it fails sd_listen_fds()'s pid check (returns 0)
// instead of adopting fds meant for someone else.
inline constexpr char kListenPidPlaceholder = 'X';

// The default PATH when sockvisord itself has none (the same as systemd's
// DEFAULT_PATH for a merged /usr system).
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Variables the supervisor owns: a unit's `environment` entry with one of these
// names is ignored (the protocol and the peer's identity are facts, not settings).
bool is_reserved_env(std::string_view name);

struct ChildPlan {
    std::string path;               // absolute, passed to execve
    std::vector<std::string> argv;  // argv[0] is the path as written in the unit
    std::vector<std::string> envp;  // "NAME=value", in order
    // Index in envp of "LISTEN_PID=XXXXXXXXXX" (kListenPidDigits placeholders),
    // filled in the child with its own pid; npos when there is no LISTEN_PID.
    std::size_t listen_pid_slot = npos;

    // Sources that become fds 3, 4, 5, ... in this order (borrowed, never closed
    // by the plan or the Spawner). Sources may be any fd numbers, including 0..2
    // and numbers that are also targets: the Spawner handles overlaps.
    std::vector<int> fds;
    std::array<Stdio, 3> stdio{};  // what fds 0, 1, 2 become

    // Privilege drop: setgroups(groups), setgid(gid), setuid(uid), in that order,
    // each only when set. `groups` is set whenever uid or gid is.
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    std::optional<std::vector<gid_t>> groups;

    std::string working_directory = "/";
    mode_t umask = 0022;
    // SPEC §5: if sockvisord dies (even by SIGKILL), its services get SIGTERM.
    int parent_death_signal = SIGTERM;

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

// sockvisord's own environment, the source of PATH, HOME, USER and LANG.
struct HostEnv {
    std::optional<std::string> path;
    std::optional<std::string> home;
    std::optional<std::string> user;
    std::optional<std::string> lang;

    bool operator==(const HostEnv&) const = default;
};

// Reads PATH, HOME, USER, LANG from this process's environment (getenv only).
// Call it once at startup: the environment does not change afterwards.
HostEnv capture_host_env();

// A fd the service stored with FDSTORE=1, handed back on restart.
struct StoredFd {
    int fd = -1;       // borrowed
    std::string name;  // FDNAME=, "stored" when the service gave none (as systemd)
};

// SO_PEERCRED of a Unix peer.
struct UnixPeer {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

// A TCP peer, already printed (IPv6 without brackets, as inetd and systemd do).
struct InetPeer {
    std::string address;
    unsigned port = 0;
};

// accept = true: the one connection this instance serves.
struct Connection {
    int fd = -1;  // borrowed
    std::optional<UnixPeer> unix_peer;
    std::optional<InetPeer> inet_peer;
};

struct ChildInputs {
    HostEnv host;
    // The service user, resolved by the caller (lookup_user(*service.user)): its
    // name and home become USER and HOME. nullopt: sockvisord's own (from host).
    std::optional<UserInfo> user;
    // One fd per unit.listen entry, in file order (ignored in accept mode).
    std::vector<int> listen_fds;
    std::vector<StoredFd> fd_store;  // ignored in accept mode
    std::optional<std::string> notify_socket;
    std::optional<Connection> connection;  // set exactly for accept = true instances
    // Write ends of the pipes sockvisord reads for `log` output. A `log` stream
    // without one falls back to `inherit` (the line goes to sockvisord's own fd).
    std::optional<int> log_stdout;
    std::optional<int> log_stderr;
};

// Builds the plan. Invariants (asserted): listen_fds.size() == unit.listen.size()
// unless in accept mode; connection is set iff unit.service.accept.
ChildPlan build_child_plan(const unit::Unit& unit, const ChildInputs& in);

}  // namespace sv::activation
