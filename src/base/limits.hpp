// Every limit a user can push, with the reason for its number. Change a value
// here, not at its use.
#pragma once

#include <chrono>
#include <cstddef>

namespace sv::limits {

// A unit file is a few hundred bytes; 1 MiB is generous and bounds parser memory.
inline constexpr std::size_t kMaxUnitFileBytes = 1 << 20;
// toml++ 3.3.0 (Debian) recurses once per dotted-key part and table level and
// crashes on ~30,000 parts. No real unit nests past 3; 64 is a sane ceiling.
inline constexpr int kMaxTomlDepth = 64;
// Unit names become log prefixes and file names: keep them short and plain.
inline constexpr std::size_t kMaxUnitNameLength = 64;
// LISTEN_FDNAMES entries: systemd allows up to 255 characters (FDNAME_MAX).
inline constexpr std::size_t kMaxFdNameLength = 255;
// sockaddr_un.sun_path is 108 bytes; a pathname needs a terminating NUL, so 107
// usable bytes; an abstract name uses all 108 after its leading NUL (107 chars).
inline constexpr std::size_t kMaxUnixPathLength = 107;
// Listeners per unit: each becomes an fd in the child; systemd caps a socket unit
// far lower in practice. Bounds the fd plan and the LISTEN_FDNAMES string.
inline constexpr std::size_t kMaxListenersPerUnit = 256;
// Restart delays, timeouts: nothing sane waits more than a day.
inline constexpr std::chrono::milliseconds kMaxDuration{24LL * 3600 * 1000};
// accept = true instances at once.
inline constexpr long kMaxConnectionsCeiling = 65536;
// exec argv: ARG_MAX-ish sanity bound on entries.
inline constexpr std::size_t kMaxArgv = 4096;

// NOTIFY_SOCKET datagrams (SPEC §3): at most 4096 bytes, systemd's
// NOTIFY_BUFFER_MAX (PIPE_BUF); sd_notify senders never need more.
inline constexpr std::size_t kMaxNotifyMessageBytes = 4096;
// fds one notify datagram can carry: the kernel's SCM_MAX_FD (253) caps SCM_RIGHTS
// per message, so a control buffer of this size never truncates a legal message.
inline constexpr std::size_t kMaxNotifyFdsPerMessage = 253;
// ERRNO= values: errno numbers are below 4096 (the kernel's MAX_ERRNO, systemd's
// ERRNO_MAX); anything larger is not an errno.
inline constexpr int kMaxNotifyErrno = 4095;
// notify_access = all walks a sender's parent chain to the main pid. Real trees
// are a few levels deep; the bound keeps one message from costing more than a few
// hundred small /proc reads.
inline constexpr int kMaxNotifyAncestryDepth = 256;
// stdout/stderr = log: one record per line; a longer line is logged in pieces of
// this size (never dropped). 4096 is a page and what syslog/journald readers show.
inline constexpr std::size_t kMaxLogLineBytes = 4096;

}  // namespace sv::limits
