#include "daemon/service_runner.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include "activation/notify_access.hpp"
#include "base/syscalls.hpp"
#include "daemon/reaper.hpp"

namespace sv::daemon {

using supervise::ActionKind;
using supervise::Event;
using supervise::EventKind;
using supervise::State;

ServiceRunner::ServiceRunner(RunnerContext& ctx, unit::Unit unit)
    : UnitRunner(ctx, std::move(unit)) {}

ServiceRunner::~ServiceRunner() {
    if (timer_) ctx_.loop.cancel(timer_);
    if (main_pid_ > 0) ctx_.pids.erase(main_pid_);
}

void ServiceRunner::start() {
    feed(Event::of(EventKind::start_request));
}

void ServiceRunner::request(OperatorRequest what) {
    switch (what) {
        case OperatorRequest::start:
            if (rebind_if_failed()) feed(Event::of(EventKind::start_request));
            break;
        case OperatorRequest::stop:
            feed(Event::of(EventKind::stop_request));
            break;
        case OperatorRequest::restart:
            if (rebind_if_failed()) feed(Event::of(EventKind::restart_request));
            break;
    }
}

RunnerFacts ServiceRunner::facts() const {
    RunnerFacts f;
    f.state = state_name(lc_.state);
    f.since = state_since_;
    f.pid = main_pid_;
    if (main_pid_ > 0 && lc_.spawned) {
        auto up = supervise::Clock::now() - lc_.started_at;
        f.uptime_s = std::chrono::duration<double>(up).count();
    }
    f.restarts = lc_.restarts;
    if (!status_text_.empty()) f.status_text = status_text_;
    f.last_exit = last_exit_;
    return f;
}

void ServiceRunner::shutdown() {
    feed(Event::of(EventKind::shutdown));
}

void ServiceRunner::feed(const Event& event) {
    pending_.push_back(event);
    if (feeding_) return;  // an action reported an event: handled after this step
    feeding_ = true;
    while (next_ < pending_.size()) {
        Event ev = pending_[next_++];  // a copy: apply() may grow pending_
        supervise::Step s = supervise::step(unit_.service, lc_, ev, supervise::Clock::now());
        State from = lc_.state;
        lc_ = s.next;
        note_transition(from, lc_.state, s.why);
        for (const auto& action : s.actions) apply(action);
    }
    std::vector<Event>().swap(pending_);  // free the storage: idle units hold none
    next_ = 0;
    feeding_ = false;
}

// Ahead of every pending event (apply() runs only inside feed()'s loop, where the
// current event is already taken: next_ is the first one still waiting).
void ServiceRunner::push_next(const Event& event) {
    pending_.insert(pending_.begin() + static_cast<std::ptrdiff_t>(next_), event);
}

void ServiceRunner::apply(const supervise::Action& action) {
    switch (action.kind) {
        case ActionKind::spawn:
            do_spawn();
            break;
        case ActionKind::signal_group:
            send_stop_signal(session_, action.signal);
            break;
        case ActionKind::kill_group:
            if (session_ > 0) {
                spdlog::warn("{}: stop timeout: sending SIGKILL to process group {}", unit_.name,
                             session_);
                os().kill(-session_, SIGKILL);
            }
            break;
        case ActionKind::arm_listeners:
            // Level-triggered: disarm at the first wakeup, the service takes it from there.
            arm([this](size_t) {
                disarm();
                feed(Event::of(EventKind::activity));
            });
            break;
        case ActionKind::disarm_listeners:
            disarm();
            break;
        case ActionKind::set_deadline:
            if (timer_) ctx_.loop.cancel(timer_);
            timer_ = ctx_.loop.at(action.deadline, [this] {
                timer_ = 0;
                feed(Event::of(EventKind::deadline));
            });
            break;
        case ActionKind::clear_deadline:
            if (timer_) ctx_.loop.cancel(timer_);
            timer_ = 0;
            break;
    }
}

void ServiceRunner::do_spawn() {
    std::vector<activation::StoredFd> stored;
    for (const auto& [fd, name] : fd_store_) stored.push_back({fd.get(), name});
    auto spawned = spawn_process(std::nullopt, stored);
    if (!spawned) {
        spdlog::error("{}: {}", unit_.name, spawned.error().message());
        push_next(Event::of(EventKind::spawn_failed));
        return;
    }
    main_pid_ = spawned->pid;
    session_ = spawned->pid;
    pgid_alive_ = true;
    status_text_.clear();
    ctx_.pids[main_pid_] = this;
    // The spawn result must reach the table before any other event of this unit.
    push_next(Event::of(EventKind::spawned));
}

void ServiceRunner::on_exit(pid_t pid, const supervise::ExitStatus& status) {
    ctx_.pids.erase(pid);
    if (pid != main_pid_) {  // a former main process (MAINPID= moved it)
        spdlog::debug("{}: former main pid {} {}", unit_.name, pid, describe_exit(status));
        return;
    }
    log_exit(pid, status);
    main_pid_ = 0;
    kill_leftovers(session_);
    pgid_alive_ = false;
    if (ctx_.on_main_exit) ctx_.on_main_exit(*this, status);
    feed(status.signal ? Event::exited_signal(status.signal) : Event::exited_code(status.code));
}

void ServiceRunner::on_notify(pid_t sender, const activation::NotifyMessage& msg,
                              std::vector<Fd>& fds) {
    if (msg.status) status_text_ = *msg.status;
    if (msg.errno_value) spdlog::warn("{}: service reports errno {}", unit_.name, *msg.errno_value);
    if (msg.stopping) spdlog::info("{}: service reports it is stopping", unit_.name);
    if (msg.reloading) spdlog::info("{}: service reports it is reloading", unit_.name);
    if (msg.mainpid && *msg.mainpid != main_pid_ && main_pid_ > 0) {
        // Only a process of this service may become its main process.
        activation::NotifyScope scope{unit::NotifyAccess::all, main_pid_, session_};
        if (activation::may_notify(scope, *msg.mainpid).allowed) {
            spdlog::info("{}: main pid {} → {} (MAINPID=, from pid {})", unit_.name, main_pid_,
                         *msg.mainpid, sender);
            ctx_.pids[*msg.mainpid] = this;
            main_pid_ = *msg.mainpid;
        } else {
            spdlog::warn("{}: ignoring MAINPID={}: not a process of this service", unit_.name,
                         *msg.mainpid);
        }
    }
    if (msg.fdstoreremove && msg.fdname) {
        std::erase_if(fd_store_, [&](const auto& entry) { return entry.second == *msg.fdname; });
    }
    if (msg.fdstore) {
        for (auto& fd : fds) {
            if (static_cast<int>(fd_store_.size()) >= unit_.service.fd_store_max) {
                spdlog::warn("{}: fd store full (fd_store_max = {}): fd dropped", unit_.name,
                             unit_.service.fd_store_max);
                break;
            }
            fd_store_.emplace_back(std::move(fd), msg.fdname.value_or("stored"));
        }
    }
    if (msg.status) spdlog::debug("{}: status: {}", unit_.name, *msg.status);
    if (msg.ready) feed(Event::of(EventKind::ready));
}

}  // namespace sv::daemon
