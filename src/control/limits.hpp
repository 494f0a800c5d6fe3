// Limits of the control protocol (SPEC §8), each with the reason for its number.
// Only constants: the server (daemon) and the client (sockvisorctl) enforce them.
#pragma once

#include <chrono>
#include <cstddef>

namespace sv::control::limits {

// One request line, newline included. The largest legitimate request names units:
// 64-character names, quoted and comma-separated, are ~67 bytes each, so 64 KiB
// holds ~1000 of them — more than any host runs — while one client can make the
// daemon buffer no more than this before it answers `too_large` and hangs up.
inline constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// One reply line as the client reads it. A status reply is ~600 bytes per unit
// plus ~150 per listener; 16 MiB covers thousands of units with many sockets and
// still stops a broken peer from making the client eat all memory.
inline constexpr std::size_t kMaxReplyBytes = 16 * 1024 * 1024;

// How long sockvisorctl waits for the daemon: to connect (a full backlog blocks
// connect(2) on a Unix stream socket), to send, and for the whole reply. The
// daemon answers at once (replies never wait for a service to stop), so 30 s only
// fires when the daemon is wedged; scripts must not hang forever on it.
inline constexpr std::chrono::milliseconds kReplyTimeout{30'000};

}  // namespace sv::control::limits
