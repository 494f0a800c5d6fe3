// Limits of the control socket (SPEC §8), each with the reason for its number.
// Any member of the control group can push them, so each one bounds memory, fds
// or time per client. Change a value here, not at its use.
#pragma once

#include <chrono>
#include <cstddef>

#include "control/limits.hpp"

namespace sv::daemon {

// A request line and a reply line: the protocol's own limits (control/limits.hpp),
// which sockvisorctl enforces from the other side, so the two can never disagree.
// Each client's input buffer is bounded by the first. The second only guards
// against a bug (replies are built by the daemon): replies are written one at a
// time per client, and a client's next request is not read before its reply is
// out, so a peer that never reads pins at most one reply.
inline constexpr std::size_t kMaxControlRequestBytes = control::limits::kMaxRequestBytes;
inline constexpr std::size_t kMaxControlReplyBytes = control::limits::kMaxReplyBytes;
// sockvisorctl connects, asks, and leaves; no administrator runs 64 at once. At
// the limit the least recently active client is closed, so a flood of idle
// connections can never keep `status` from being answered.
inline constexpr std::size_t kMaxControlClients = 64;
// A client that completes no request and reads none of its reply for this long
// is closed: slow-loris peers cannot pin a client slot.
inline constexpr std::chrono::milliseconds kControlIdleTimeout{10000};
// After accept4 fails with EMFILE/ENFILE/ENOBUFS/ENOMEM the listener stays
// readable; polling it would spin. Pause accepting for this long (or until one of
// our own clients closes), one timer, no periodic wake-up.
inline constexpr std::chrono::milliseconds kControlAcceptRetry{1000};
// Bytes read per readiness event per client, and connections accepted per event:
// epoll is level-triggered, so a busy peer is served again next iteration, after
// every other ready fd had its turn.
inline constexpr std::size_t kControlReadChunk = 16 * 1024;
inline constexpr int kControlAcceptsPerEvent = 16;
// Requests handled per turn for one client: 16 KiB of pipelined "x\n" is 8192
// requests; answering them all at once would stall every other fd. The rest wait
// one loop iteration (the client is woken again through EPOLLOUT).
inline constexpr int kControlRequestsPerEvent = 16;

// The same limits as a value, so tests can shrink them (a 100 ms idle timeout, 4
// clients). Production uses the defaults.
struct ControlLimits {
    std::size_t max_request_bytes = kMaxControlRequestBytes;
    std::size_t max_reply_bytes = kMaxControlReplyBytes;
    std::size_t max_clients = kMaxControlClients;
    std::chrono::milliseconds idle_timeout = kControlIdleTimeout;
    std::chrono::milliseconds accept_retry = kControlAcceptRetry;
};

}  // namespace sv::daemon
