// ControlServer: the daemon side of the control socket (SPEC §8). Owns the
// listening socket and every client connection; frames requests as lines and
// replies with what the handler returns. Never parses JSON, never authorizes
// (the handler does both, from the PeerCred it is given), never blocks.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "daemon/control_limits.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/rate_limit.hpp"

namespace sv::daemon {

// SO_PEERCRED of a control client, read once at accept: the credentials the peer
// had when it called connect(), which a later setuid in the peer cannot change.
struct PeerCred {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    // SO_PEERGROUPS, also taken at connect: unlike /proc/PID/status it cannot be
    // another process's if the client exits and its pid is reused.
    std::vector<gid_t> groups;
};

// Protocol, per connection: the peer sends one request per line ('\n'); each
// line gets exactly one reply line, in order; the connection stays open for more
// until the peer closes it. Requests are handled one at a time: the next line is
// not read before the previous reply has been written out (backpressure). Bytes
// are passed through as they are (NUL, invalid UTF-8): judging them is the
// handler's job. A final line without '\n' before the peer's EOF still counts.
//
// A line over limits.max_request_bytes gets
//   {"ok":false,"code":"too_large","error":"request larger than 65536 bytes"}
// and the connection is closed. See control_limits.hpp for the other limits
// (clients, idle timeout, accept back-off).
class ControlServer {
  public:
    // Returns the reply line, without '\n'. Called from the event loop; it must
    // not destroy the ControlServer.
    using Handler =
        std::function<std::string(const std::string& request_line, const PeerCred& peer)>;

    // Binds a Unix stream socket at `path` (its directory must exist), born mode
    // 0660: bind runs under umask 0117, so there is no window with wider
    // permissions. With `group`, the socket's group is then set with fchownat
    // (AT_SYMLINK_NOFOLLOW). Between bind and fchownat the socket is 0660 and owned
    // by sockvisord's own uid and gid — only peers who may connect anyway — so the
    // window is harmless. An existing socket at `path` is replaced if nobody
    // listens on it (connect → ECONNREFUSED); a live one, or anything that is not
    // a socket, is an error. `loop` must outlive the server.
    static Result<std::unique_ptr<ControlServer>> open(EventLoop& loop, const std::string& path,
                                                       std::optional<gid_t> group, Handler handler,
                                                       ControlLimits limits = {});

    // Closes every client and the listener; unlinks `path` if it is still the
    // socket this server bound (same device and inode).
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    const std::string& path() const { return path_; }
    std::size_t client_count() const { return clients_.size(); }

  private:
    struct Client;
    using ClientId = uint64_t;

    ControlServer(EventLoop& loop, std::string path, Fd listener, dev_t dev, ino_t ino,
                  Handler handler, ControlLimits limits);
    Status start();

    void on_listener(uint32_t events);
    void pause_accepting();
    void resume_accepting();
    void add_client(Fd fd, const PeerCred& peer);
    void evict_least_recently_active();
    void on_client(ClientId id, uint32_t events);
    // Moves a client as far as it can go without blocking: writes pending reply
    // bytes, handles buffered lines, closes it when it is done. False if closed.
    bool progress(ClientId id, Client& c);
    bool flush(Client& c);  // false on a write error
    void answer(Client& c, const std::string& line);
    void refuse_too_large(Client& c);
    bool set_events(ClientId id, Client& c, uint32_t events);  // false if closed
    void touch(ClientId id, Client& c);
    void close_client(ClientId id);
    void reserve_spare_fd();

    EventLoop& loop_;
    std::string path_;
    Fd listener_;
    // An fd held in reserve (/dev/null) and given up when accept4 fails with
    // EMFILE/ENFILE, so that an operator's status request is answered even when
    // the services have taken every other fd; taken back when a client closes.
    Fd spare_fd_;
    dev_t dev_;
    ino_t ino_;
    Handler handler_;
    ControlLimits limits_;
    bool accepting_ = false;
    bool closed_ = false;  // in the destructor
    std::optional<EventLoop::TimerId> accept_retry_;
    // Ids only grow: a late event or timer for a closed client finds nothing.
    std::map<ClientId, std::unique_ptr<Client>> clients_;
    ClientId next_id_ = 1;
    uint64_t activity_clock_ = 0;  // orders clients by last activity (eviction)
    RateLimit log_limit_;
};

}  // namespace sv::daemon
