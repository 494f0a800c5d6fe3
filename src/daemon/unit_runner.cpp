#include "daemon/unit_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "base/identity.hpp"
#include "base/syscalls.hpp"
#include "daemon/accept_runner.hpp"
#include "daemon/reaper.hpp"
#include "daemon/service_runner.hpp"

namespace sv::daemon {

double wall_clock_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::unique_ptr<UnitRunner> UnitRunner::create(RunnerContext& ctx, unit::Unit unit) {
    if (unit.service.accept) return std::make_unique<AcceptRunner>(ctx, std::move(unit));
    return std::make_unique<ServiceRunner>(ctx, std::move(unit));
}

UnitRunner::UnitRunner(RunnerContext& ctx, unit::Unit unit) : ctx_(ctx), unit_(std::move(unit)) {}

UnitRunner::~UnitRunner() {
    release();
}

Status UnitRunner::bind(net::BindSession& session) {
    for (const auto& spec : unit_.listen) {
        // A socket our own parent passed us (LISTEN_FDS) with the same address and
        // type is adopted: binding again would fail, or shadow it.
        std::optional<net::BoundListener> adopted;
        for (auto it = ctx_.inherited.begin(); it != ctx_.inherited.end(); ++it) {
            if (net::matches(it->fd.get(), spec)) {
                adopted = net::adopt_listener(std::move(it->fd), spec);
                ctx_.inherited.erase(it);
                break;
            }
        }
        net::BoundListener listener;
        if (adopted) {
            listener = std::move(*adopted);
            spdlog::info("{}: adopted inherited {}", unit_.name, net::describe(spec));
        } else {
            auto bound = net::bind_listener(spec, session);
            if (!bound) {
                bind_failed_ = true;
                release();
                return bound.error();
            }
            listener = std::move(bound.value());
            // Guarded: the arguments (describe() builds strings) are evaluated even
            // when the level hides the line.
            if (spdlog::should_log(spdlog::level::info)) {
                if (listener.replaced.empty())
                    spdlog::info("{}: bound {}", unit_.name, net::describe(spec));
                else
                    spdlog::info("{}: bound {} (replaced {})", unit_.name, net::describe(spec),
                                 listener.replaced);
            }
        }
        // In accept mode the listener never leaves sockvisord, which drains it with
        // accept4 after each wakeup: it must not block when a peer gave up meanwhile.
        if (unit_.service.accept) {
            int flags = fcntl(listener.fd.get(), F_GETFL);
            fcntl(listener.fd.get(), F_SETFL, flags | O_NONBLOCK);
        }
        listeners_.push_back(std::move(listener));
    }
    return ok_status();
}

void UnitRunner::release() {
    disarm();
    for (auto& l : listeners_) net::release_listener(l, true);
    listeners_.clear();
}

void UnitRunner::on_notify(pid_t sender, const activation::NotifyMessage&, std::vector<Fd>&) {
    spdlog::debug("{}: notify message from pid {} ignored (no use for it)", unit_.name, sender);
}

Status UnitRunner::prepare_output(bool for_connection) {
    // Relays whose process is gone and whose pipe reached EOF are done.
    std::erase_if(relays_, [](const auto& r) { return r->finished(); });
    // In accept mode stdout is the connection: only stderr can be "log".
    const bool want_out = unit_.service.stdout_mode == unit::Output::log && !for_connection;
    const bool want_err = unit_.service.stderr_mode == unit::Output::log;
    if (auto null_fd = supervise::dev_null_fd(); !null_fd) return null_fd.error();
    for (auto [want, next] : {std::pair{want_out, &next_stdout_}, {want_err, &next_stderr_}}) {
        if (!want || *next) continue;
        auto relay = OutputRelay::open(ctx_.loop, unit_.name);
        if (!relay) return relay.error();
        *next = std::move(relay.value());
    }
    return ok_status();
}

Result<supervise::Spawned> UnitRunner::spawn_process(
    const std::optional<activation::Connection>& connection,
    const std::vector<activation::StoredFd>& stored) {
    activation::ChildInputs in;
    in.host = ctx_.host;
    if (unit_.service.user) in.user = lookup_user(*unit_.service.user);
    if (!connection)
        for (const auto& l : listeners_) in.listen_fds.push_back(l.fd.get());
    in.fd_store = stored;
    in.notify_socket = ctx_.notify_path;
    in.connection = connection;
    if (Status st = prepare_output(connection.has_value()); !st) return st.error();
    OutputRelay* out = next_stdout_.get();
    OutputRelay* err = next_stderr_.get();
    if (out) in.log_stdout = out->writer();
    if (err) in.log_stderr = err->writer();
    auto spawned = supervise::spawn(activation::build_child_plan(unit_, in));
    // The child has its copies now (or failed): ours must go so EOF can come.
    for (auto* next : {&next_stdout_, &next_stderr_}) {
        if (!*next) continue;
        (*next)->close_writer();
        relays_.push_back(std::move(*next));
    }
    // Per-connection instances are logged at debug: one line per connection would
    // make the log the bottleneck of an inetd-style service.
    if (spawned)
        spdlog::log(connection ? spdlog::level::debug : spdlog::level::info, "{}: started pid {}",
                    unit_.name, spawned->pid);
    return spawned;
}

void UnitRunner::arm(std::function<void(size_t)> on_ready) {
    armed_ = true;
    on_ready_ = on_ready;
    for (size_t i = 0; i < listeners_.size(); ++i) {
        auto st = ctx_.loop.watch(listeners_[i].fd.get(), EPOLLIN,
                                  [on_ready, i](uint32_t) { on_ready(i); });
        if (!st) spdlog::error("{}: {}", unit_.name, st.error().message());
    }
}

void UnitRunner::disarm() {
    if (!armed_) return;
    armed_ = false;
    for (const auto& l : listeners_) ctx_.loop.unwatch(l.fd.get());
}

void UnitRunner::note_transition(supervise::State from, supervise::State to, std::string_view why,
                                 bool quiet) {
    if (from == to) return;
    state_since_ = wall_clock_now();
    pid_t pid = main_pid();
    auto level = quiet ? spdlog::level::debug : spdlog::level::info;
    if (pid > 0)
        spdlog::log(level, "{}: {} → {} ({}, pid {})", unit_.name, supervise::to_string(from),
                    supervise::to_string(to), why, pid);
    else
        spdlog::log(level, "{}: {} → {} ({})", unit_.name, supervise::to_string(from),
                    supervise::to_string(to), why);
}

std::string UnitRunner::state_name(supervise::State s) const {
    // A unit whose sockets could not be bound is failed whatever its table says:
    // nothing can reach it (SPEC §4).
    return bind_failed_ ? "failed" : std::string(supervise::to_string(s));
}

bool UnitRunner::rebind_if_failed() {
    if (!bind_failed_) return true;
    release();
    bind_failed_ = false;
    net::BindSession session;
    if (auto st = bind(session); !st) {
        spdlog::error("{}: {}", unit_.name, st.error().message());
        return false;
    }
    return true;
}

void UnitRunner::close_listeners(const std::vector<size_t>& closed) {
    bool was_armed = armed_;
    auto handler = on_ready_;
    disarm();
    for (size_t i : closed) {
        if (i < listeners_.size() && listeners_[i].fd) {
            spdlog::info("{}: closed {}", unit_.name, net::describe(listeners_[i].spec));
            net::release_listener(listeners_[i], true);
        }
    }
    // Keep the closed entries (fd -1) in place: redefine() maps by old index.
    if (was_armed && handler) {
        on_ready_ = handler;
        rearm_after_redefine_ = true;
    }
}

Status UnitRunner::redefine(unit::Unit fresh, const std::vector<std::optional<size_t>>& sources,
                            net::BindSession& session) {
    bool was_armed = armed_ || rearm_after_redefine_;
    rearm_after_redefine_ = false;
    auto handler = on_ready_;
    disarm();
    std::vector<net::BoundListener> old = std::move(listeners_);
    listeners_.clear();
    unit_ = std::move(fresh);
    Status result = ok_status();
    for (size_t i = 0; i < unit_.listen.size(); ++i) {
        const auto& spec = unit_.listen[i];
        if (i < sources.size() && sources[i] && *sources[i] < old.size() && old[*sources[i]].fd) {
            net::BoundListener kept = std::move(old[*sources[i]]);
            kept.spec = spec;  // identical but for its position in the file
            listeners_.push_back(std::move(kept));
            continue;
        }
        auto bound = net::bind_listener(spec, session);
        if (!bound) {
            if (result.ok()) result = bound.error();
            continue;
        }
        if (spdlog::should_log(spdlog::level::info)) {
            if (bound->replaced.empty())
                spdlog::info("{}: bound {}", unit_.name, net::describe(spec));
            else
                spdlog::info("{}: bound {} (replaced {})", unit_.name, net::describe(spec),
                             bound->replaced);
        }
        if (unit_.service.accept) {
            int flags = fcntl(bound->fd.get(), F_GETFL);
            fcntl(bound->fd.get(), F_SETFL, flags | O_NONBLOCK);
        }
        listeners_.push_back(std::move(bound.value()));
    }
    // Running listeners that neither stayed nor were listed as closed: close them too.
    for (auto& l : old)
        if (l.fd) net::release_listener(l, true);
    bind_failed_ = !result.ok();
    if (bind_failed_) {
        // A partial set would hand the service fds in the wrong order: keep none.
        for (auto& l : listeners_) net::release_listener(l, true);
        listeners_.clear();
    } else if (was_armed && handler) {
        arm(handler);
    }
    return result;
}

void UnitRunner::log_exit(pid_t pid, const supervise::ExitStatus& status) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    last_exit_ = LastExit{status, std::chrono::duration<double>(now).count()};
    // Dying of the signal we sent to stop it is the expected end, not a warning.
    if (status.clean() || (state() == supervise::State::stopping && status.signal != 0))
        spdlog::info("{}: pid {} {}", unit_.name, pid, describe_exit(status));
    else
        spdlog::warn("{}: pid {} {}", unit_.name, pid, describe_exit(status));
}

void UnitRunner::send_stop_signal(pid_t pgid, int sig) {
    if (pgid <= 0) return;
    os().kill(-pgid, sig);
    if (sig != SIGKILL && sig != SIGCONT) os().kill(-pgid, SIGCONT);
}

void UnitRunner::kill_leftovers(pid_t pgid) {
    // The leader is gone; anything still in its process group would keep running
    // next to the next instance (possibly still accepting on the same socket).
    if (pgid > 0) os().kill(-pgid, SIGKILL);
}

}  // namespace sv::daemon
