#include "daemon/accept_runner.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>

#include "base/syscalls.hpp"
#include "daemon/reaper.hpp"

namespace sv::daemon {

using supervise::ActionKind;
using supervise::PoolEventKind;

namespace {
// Connections taken per wakeup before yielding to the rest of the loop; the
// listener is level-triggered, so what is left wakes us again at once.
constexpr int kAcceptBatch = 32;
}  // namespace

AcceptRunner::AcceptRunner(RunnerContext& ctx, unit::Unit unit)
    : UnitRunner(ctx, std::move(unit)) {}

AcceptRunner::~AcceptRunner() {
    if (timer_) ctx_.loop.cancel(timer_);
    for (pid_t pid : instances_) ctx_.pids.erase(pid);
}

void AcceptRunner::start() {
    feed(PoolEventKind::start_request);
}

void AcceptRunner::request(OperatorRequest what) {
    switch (what) {
        case OperatorRequest::start:
            if (rebind_if_failed()) feed(PoolEventKind::start_request);
            break;
        case OperatorRequest::stop:
            feed(PoolEventKind::stop_request);
            break;
        case OperatorRequest::restart:
            if (rebind_if_failed()) feed(PoolEventKind::restart_request);
            break;
    }
}

RunnerFacts AcceptRunner::facts() const {
    RunnerFacts f;
    f.state = state_name(pool_.state);
    f.since = state_since_;
    f.accepted = pool_.accepted;
    f.active = static_cast<unsigned long>(pool_.active);
    f.last_exit = last_exit_;
    return f;
}

void AcceptRunner::shutdown() {
    feed(PoolEventKind::shutdown);
}

void AcceptRunner::feed(PoolEventKind event) {
    supervise::PoolStep s =
        supervise::pool_step(unit_.service, pool_, event, supervise::Clock::now());
    supervise::State from = pool_.state;
    pool_ = s.next;
    // listening ⇄ running flips with every connection of an idle inetd-style unit:
    // at info level the log would grow by two lines per connection.
    bool per_connection =
        (from == supervise::State::listening && pool_.state == supervise::State::running) ||
        (from == supervise::State::running && pool_.state == supervise::State::listening);
    note_transition(from, pool_.state, s.why, per_connection);
    for (const auto& a : s.actions) apply(a);
}

void AcceptRunner::apply(const supervise::Action& action) {
    switch (action.kind) {
        case ActionKind::spawn:  // the pool never asks: each accept spawns
            break;
        case ActionKind::signal_group:
            for (pid_t pid : instances_) send_stop_signal(pid, action.signal);
            break;
        case ActionKind::kill_group:
            for (pid_t pid : instances_) os().kill(-pid, SIGKILL);
            break;
        case ActionKind::arm_listeners:
            if (!armed_) arm([this](size_t i) { accept_from(i); });
            break;
        case ActionKind::disarm_listeners:
            disarm();
            break;
        case ActionKind::set_deadline:
            if (timer_) ctx_.loop.cancel(timer_);
            timer_ = ctx_.loop.at(action.deadline, [this] {
                timer_ = 0;
                feed(PoolEventKind::deadline);
            });
            break;
        case ActionKind::clear_deadline:
            if (timer_) ctx_.loop.cancel(timer_);
            timer_ = 0;
            break;
    }
}

void AcceptRunner::accept_from(size_t index) {
    int listen_fd = listeners_[index].fd.get();
    for (int n = 0; n < kAcceptBatch && armed_ && supervise::accepting(unit_.service, pool_); ++n) {
        // Everything the instance needs besides the connection comes first: out of
        // fds, the client stays queued in the backlog instead of being accepted
        // and dropped.
        if (Status st = prepare_output(true); !st) {
            pause_for_fds(st.error().message());
            return;
        }
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        int fd = os().accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                pause_for_fds(std::string("cannot accept: ") + strerror(errno));
            } else if (errno != EAGAIN) {
                spdlog::error("{}: accept4: {}", unit_.name, strerror(errno));
            }
            return;
        }
        spawn_instance(Fd(fd), peer.ss_family);
    }
}

void AcceptRunner::pause_for_fds(const std::string& why) {
    // One line per episode is enough; the pool retries every few hundred ms.
    if (fds_log_limit_.allow())
        spdlog::warn("{}: {}; pausing until fds are freed", unit_.name, why);
    feed(PoolEventKind::fds_exhausted);
}

void AcceptRunner::spawn_instance(Fd connection, int family) {
    activation::Connection conn;
    conn.fd = connection.get();
    if (family == AF_UNIX) {
        ucred cred{};
        socklen_t len = sizeof cred;
        if (getsockopt(conn.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
            conn.unix_peer = activation::UnixPeer{cred.pid, cred.uid, cred.gid};
    } else if (family == AF_INET || family == AF_INET6) {
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        if (getpeername(conn.fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
            char host[INET6_ADDRSTRLEN] = {};
            unsigned port = 0;
            if (peer.ss_family == AF_INET) {
                auto* in = reinterpret_cast<sockaddr_in*>(&peer);
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
                port = ntohs(in->sin_port);
            } else {
                auto* in6 = reinterpret_cast<sockaddr_in6*>(&peer);
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
                port = ntohs(in6->sin6_port);
            }
            conn.inet_peer = activation::InetPeer{host, port};
        }
    }
    auto spawned = spawn_process(conn, {});
    // The connection now lives in the instance (or dies with the failed spawn):
    // our copy closes here either way.
    connection.reset();
    if (!spawned) {
        spdlog::error("{}: {}", unit_.name, spawned.error().message());
        feed(PoolEventKind::spawn_failed);
        return;
    }
    instances_.insert(spawned->pid);
    ctx_.pids[spawned->pid] = this;
    feed(PoolEventKind::instance_spawned);
}

void AcceptRunner::on_exit(pid_t pid, const supervise::ExitStatus& status) {
    ctx_.pids.erase(pid);
    if (!instances_.erase(pid)) return;
    if (status.clean())
        spdlog::debug("{}: pid {} {}", unit_.name, pid, describe_exit(status));
    else
        log_exit(pid, status);
    kill_leftovers(pid);
    // The pipe prepared for the next instance is kept while instances come and
    // go, and given back when the unit goes idle: an idle unit holds no extra fd.
    if (instances_.empty()) drop_prepared_output();
    feed(PoolEventKind::instance_exited);
}

}  // namespace sv::daemon
