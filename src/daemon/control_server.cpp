// ControlServer: socket setup, accept, line framing and non-blocking replies.
// Every client is a small state machine driven by progress(); nothing here waits
// on a peer, so one slow or hostile client never delays another.
#include "daemon/control_server.hpp"

#include "control/peer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <unordered_map>

#include "base/limits.hpp"
#include "base/syscalls.hpp"

namespace sv::daemon {

struct ControlServer::Client {
    Fd fd;
    PeerCred peer;
    std::string in;           // received bytes not yet handled
    std::size_t scanned = 0;  // prefix of `in` known to hold no '\n'
    std::string out;          // the reply being written
    std::size_t written = 0;  // bytes of `out` already sent
    bool eof = false;         // the peer shut down its sending side
    bool closing = false;     // close once `out` is written (after too_large)
    uint32_t events = 0;      // what the loop watches now
    EventLoop::TimerId idle_timer = 0;
    uint64_t last_active = 0;  // activity_clock_ value
};

namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() > limits::kMaxUnixPathLength)
        return sys_error("bind", path, ENAMETOOLONG);
    std::memcpy(sa.sun_path, path.data(), path.size());
    return sa;
}

// An existing entry at the path: a socket nobody listens on is stale (a previous
// sockvisord died without unlinking it) and goes; anything else stays and is an
// error — never unlink a live daemon's socket or a file we did not make.
Status clear_stale(const std::string& path, const sockaddr_un& sa) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return ok_status();
        return sys_error("lstat", path, errno);
    }
    if (!S_ISSOCK(st.st_mode))
        return plain_error("replace", path, "exists and is not a socket; not replacing it");
    Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!probe) return sys_error("socket", path, errno);
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0 ||
        errno == EAGAIN)  // EAGAIN: a full backlog, so someone is listening
        return plain_error("bind", path, "another process is listening on it");
    if (errno != ECONNREFUSED) return sys_error("connect", path, errno);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return sys_error("unlink", path, errno);
    return ok_status();
}

std::string too_large_reply(std::size_t limit, const char* what) {
    return std::string(R"({"ok":false,"code":"too_large","error":")") + what + " larger than " +
           std::to_string(limit) + R"( bytes"})";
}

}  // namespace

Result<std::unique_ptr<ControlServer>> ControlServer::open(EventLoop& loop, const std::string& path,
                                                           std::optional<gid_t> group,
                                                           Handler handler, ControlLimits limits) {
    auto sa = unix_address(path);
    if (!sa) return sa.error();
    if (Status s = clear_stale(path, *sa); !s) return s.error();

    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return sys_error("socket", path, errno);
    // The socket inode is created by bind with mode 0777 & ~umask: 0117 makes it
    // 0660 from birth. umask is process-wide, but the daemon is single-threaded.
    const mode_t saved = ::umask(0117);
    const int rc = os().bind(fd.get(), reinterpret_cast<const sockaddr*>(&*sa), sizeof *sa);
    const int bind_errno = errno;
    ::umask(saved);
    if (rc != 0) return sys_error("bind", path, bind_errno);

    auto fail = [&](const char* call, int err) -> SysError {
        ::unlink(path.c_str());
        return sys_error(call, path, err);
    };
    if (group && ::fchownat(AT_FDCWD, path.c_str(), static_cast<uid_t>(-1), *group,
                            AT_SYMLINK_NOFOLLOW) != 0)
        return fail("fchownat", errno);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return fail("lstat", errno);
    if (os().listen(fd.get(), SOMAXCONN) != 0) return fail("listen", errno);

    std::unique_ptr<ControlServer> server(new ControlServer(loop, path, std::move(fd), st.st_dev,
                                                            st.st_ino, std::move(handler), limits));
    if (Status s = server->start(); !s) return s.error();  // the destructor unlinks
    return server;
}

ControlServer::ControlServer(EventLoop& loop, std::string path, Fd listener, dev_t dev, ino_t ino,
                             Handler handler, ControlLimits limits)
    : loop_(loop),
      path_(std::move(path)),
      listener_(std::move(listener)),
      dev_(dev),
      ino_(ino),
      handler_(std::move(handler)),
      limits_(limits) {}

void ControlServer::reserve_spare_fd() {
    if (!spare_fd_) spare_fd_ = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

Status ControlServer::start() {
    reserve_spare_fd();
    Status s = loop_.watch(listener_.get(), EPOLLIN, [this](uint32_t ev) { on_listener(ev); });
    accepting_ = s.ok();
    return s;
}

ControlServer::~ControlServer() {
    closed_ = true;  // closing clients must not re-arm the listener
    while (!clients_.empty()) close_client(clients_.begin()->first);
    if (accept_retry_) loop_.cancel(*accept_retry_);
    loop_.unwatch(listener_.get());
    listener_.reset();
    // Only our own socket: a successor may already have replaced it at this path.
    struct stat st;
    if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev_ &&
        st.st_ino == ino_)
        ::unlink(path_.c_str());
}

void ControlServer::on_listener(uint32_t) {
    for (int i = 0; i < kControlAcceptsPerEvent; ++i) {
        Fd fd(os().accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!fd) {
            const int err = errno;
            switch (err) {
                case EAGAIN:
                    return;
                case EINTR:
                case ECONNABORTED:
                case EPROTO:
                    continue;
                case EMFILE:
                case ENFILE:
                    // Out of fds: give up the spare so this client (sockvisorctl
                    // status, usually) is still answered; pause only when it is
                    // already in use.
                    if (spare_fd_) {
                        spare_fd_.reset();
                        continue;
                    }
                    [[fallthrough]];
                case ENOBUFS:
                case ENOMEM:
                    if (log_limit_.allow())
                        spdlog::warn("control: cannot accept: {}; pausing for {} ms",
                                     std::strerror(err), limits_.accept_retry.count());
                    pause_accepting();
                    return;
                default:
                    if (log_limit_.allow())
                        spdlog::error("control: accept4: {}", std::strerror(err));
                    pause_accepting();  // unknown: back off rather than spin
                    return;
            }
        }
        ucred cred{};
        socklen_t len = sizeof cred;
        // Without credentials there is nothing to authorize: drop the connection.
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) continue;
        PeerCred peer{cred.pid, cred.uid, cred.gid, {}};
        if (auto groups = control::read_peer_groups(fd.get())) peer.groups = std::move(*groups);
        add_client(std::move(fd), peer);
    }
}

void ControlServer::pause_accepting() {
    if (!accepting_) return;
    loop_.unwatch(listener_.get());
    accepting_ = false;
    accept_retry_ = loop_.at(Clock::now() + limits_.accept_retry, [this] {
        accept_retry_.reset();
        resume_accepting();
    });
}

void ControlServer::resume_accepting() {
    if (accepting_ || closed_) return;
    if (accept_retry_) {
        loop_.cancel(*accept_retry_);
        accept_retry_.reset();
    }
    (void)start();  // fails only if epoll itself does; the next client close retries
}

void ControlServer::add_client(Fd fd, const PeerCred& peer) {
    if (clients_.size() >= limits_.max_clients) evict_least_recently_active();
    const ClientId id = next_id_++;
    auto client = std::make_unique<Client>();
    client->fd = std::move(fd);
    client->peer = peer;
    Client& c = *client;
    clients_.emplace(id, std::move(client));
    touch(id, c);
    // A client usually sends its request right after connect: read it now, so it
    // is answered even if a flood of connections follows in the same batch.
    on_client(id, EPOLLIN);
}

void ControlServer::evict_least_recently_active() {
    // The victim is chosen among the clients of the uid that holds the most
    // connections: a member of the control group flooding the socket then only
    // ever closes its own connections, never root's sockvisorctl (found by
    // integration/test_attacks.py). Among those, the least recently active goes.
    std::unordered_map<uid_t, std::size_t> per_uid;
    std::size_t most = 0;
    for (const auto& [id, c] : clients_) most = std::max(most, ++per_uid[c->peer.uid]);
    auto victim = clients_.end();
    for (auto it = clients_.begin(); it != clients_.end(); ++it) {
        if (per_uid[it->second->peer.uid] != most) continue;
        if (victim == clients_.end() || it->second->last_active < victim->second->last_active)
            victim = it;
    }
    if (victim == clients_.end()) return;
    if (log_limit_.allow())
        spdlog::warn("control: {} clients connected; closing the least recently active (pid {})",
                     clients_.size(), victim->second->peer.pid);
    close_client(victim->first);
}

void ControlServer::on_client(ClientId id, uint32_t events) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    if (events & EPOLLERR) return close_client(id);
    // EPOLLHUP with data still queued: read it first; read() then reports EOF.
    const bool reading = !c.eof && !c.closing && c.out.empty();
    if (reading && (events & (EPOLLIN | EPOLLHUP))) {
        char buf[kControlReadChunk];
        ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
        if (n > 0)
            c.in.append(buf, static_cast<std::size_t>(n));
        else if (n == 0)
            c.eof = true;
        else if (errno != EAGAIN && errno != EINTR)
            return close_client(id);
    }
    progress(id, c);
}

bool ControlServer::progress(ClientId id, Client& c) {
    int handled = 0;
    for (;;) {
        if (c.written < c.out.size()) {
            const std::size_t before = c.written;
            if (!flush(c)) {
                close_client(id);
                return false;
            }
            // A peer reading its reply, however slowly, is not idle.
            if (c.written > before) touch(id, c);
            // Resume when the kernel buffer drains; read nothing meanwhile.
            if (c.written < c.out.size()) return set_events(id, c, EPOLLOUT);
        }
        c.out.clear();
        c.written = 0;
        if (c.closing) {
            close_client(id);
            return false;
        }
        const std::size_t nl = c.in.find('\n', c.scanned);
        if (nl != std::string::npos) {
            if (nl > limits_.max_request_bytes) {
                refuse_too_large(c);
                continue;
            }
            // Enough for this turn: a writable socket is ready at once, so EPOLLOUT
            // brings this client back next iteration, after the other ready fds.
            if (handled == kControlRequestsPerEvent) return set_events(id, c, EPOLLOUT);
            ++handled;
            std::string line = c.in.substr(0, nl);
            c.in.erase(0, nl + 1);
            c.scanned = 0;
            answer(c, line);
            touch(id, c);
            continue;
        }
        c.scanned = c.in.size();
        if (c.in.size() > limits_.max_request_bytes) {
            refuse_too_large(c);
            continue;
        }
        if (c.eof) {
            if (c.in.empty()) {
                close_client(id);
                return false;
            }
            std::string line = std::move(c.in);  // last request, unterminated
            c.in.clear();
            c.scanned = 0;
            answer(c, line);
            continue;
        }
        return set_events(id, c, EPOLLIN);
    }
}

bool ControlServer::flush(Client& c) {
    while (c.written < c.out.size()) {
        // MSG_NOSIGNAL: a peer gone meanwhile is EPIPE here, not SIGPIPE.
        ssize_t n = ::send(c.fd.get(), c.out.data() + c.written, c.out.size() - c.written,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.written += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && errno == EAGAIN;
    }
    return true;
}

void ControlServer::answer(Client& c, const std::string& line) {
    std::string reply;
    try {
        reply = handler_(line, c.peer);
    } catch (const std::exception& e) {  // the handler's bug must not end the daemon
        if (log_limit_.allow()) spdlog::error("control: request handler failed: {}", e.what());
        reply =
            R"({"ok":false,"code":"bad_request","error":"internal error while handling the request"})";
    }
    if (reply.size() > limits_.max_reply_bytes)
        reply = too_large_reply(limits_.max_reply_bytes, "reply");
    c.out = std::move(reply);
    c.out += '\n';
    c.written = 0;
}

void ControlServer::refuse_too_large(Client& c) {
    c.out = too_large_reply(limits_.max_request_bytes, "request") + "\n";
    c.written = 0;
    c.in.clear();
    c.scanned = 0;
    c.closing = true;
}

bool ControlServer::set_events(ClientId id, Client& c, uint32_t events) {
    if (c.events == events) return true;
    Status s = loop_.watch(c.fd.get(), events, [this, id](uint32_t ev) { on_client(id, ev); });
    if (!s) {  // ENOMEM in epoll: drop this client, keep the rest
        close_client(id);
        return false;
    }
    c.events = events;
    return true;
}

void ControlServer::touch(ClientId id, Client& c) {
    c.last_active = ++activity_clock_;
    if (c.idle_timer) loop_.cancel(c.idle_timer);
    c.idle_timer = loop_.at(Clock::now() + limits_.idle_timeout, [this, id] {
        auto it = clients_.find(id);
        if (it == clients_.end()) return;
        it->second->idle_timer = 0;  // fired: nothing to cancel
        close_client(id);
    });
}

void ControlServer::close_client(ClientId id) {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    if (c.idle_timer) loop_.cancel(c.idle_timer);
    if (c.events) loop_.unwatch(c.fd.get());
    clients_.erase(it);  // closes the fd
    reserve_spare_fd();  // the slot just freed, before anything else can take it
    resume_accepting();  // a freed fd may be what accept4 was missing
}

}  // namespace sv::daemon
