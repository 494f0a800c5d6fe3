#include "daemon/event_loop.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace sv::daemon {
namespace {
constexpr int kTimerSlot = -1;  // epoll data for the timerfd (fds are >= 0)
// Events handled per epoll_wait: more only costs another loop iteration.
constexpr int kMaxEventsPerWait = 64;
}  // namespace

Result<EventLoop> EventLoop::create() {
    Fd ep(epoll_create1(EPOLL_CLOEXEC));
    if (!ep) return sys_error("epoll_create1", "", errno);
    Fd tfd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!tfd) return sys_error("timerfd_create", "", errno);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<uint64_t>(static_cast<int64_t>(kTimerSlot));
    if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, tfd.get(), &ev) != 0)
        return sys_error("epoll_ctl", "timerfd", errno);
    return EventLoop(std::move(ep), std::move(tfd));
}

Status EventLoop::watch(int fd, uint32_t events, FdHandler handler) {
    uint64_t token = next_token_++;
    epoll_event ev{};
    ev.events = events;
    // The token (not the fd) identifies the registration, so an event queued for
    // an fd that was unwatched and reused in the same batch is recognised as stale.
    ev.data.u64 = token << 32 | static_cast<uint32_t>(fd);
    int op = fds_.count(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(epoll_.get(), op, fd, &ev) != 0)
        return sys_error("epoll_ctl", "fd " + std::to_string(fd), errno);
    fds_[fd] = Watch{token, std::move(handler)};
    return ok_status();
}

void EventLoop::unwatch(int fd) {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return;
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    fds_.erase(it);
}

EventLoop::TimerId EventLoop::at(TimePoint when, TimerHandler handler) {
    TimerId id = next_timer_++;
    timers_[id] = {when, std::move(handler)};
    deadlines_.emplace(when, id);
    rearm_timer();
    return id;
}

void EventLoop::cancel(TimerId id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    auto range = deadlines_.equal_range(it->second.first);
    for (auto d = range.first; d != range.second; ++d) {
        if (d->second == id) {
            deadlines_.erase(d);
            break;
        }
    }
    timers_.erase(it);
    rearm_timer();
}

void EventLoop::rearm_timer() {
    TimePoint next = deadlines_.empty() ? TimePoint{} : deadlines_.begin()->first;
    if (next == armed_) return;
    armed_ = next;
    itimerspec spec{};
    if (next != TimePoint{}) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next.time_since_epoch());
        if (ns.count() <= 0) ns = std::chrono::nanoseconds(1);  // 0 would disarm
        spec.it_value.tv_sec = ns.count() / 1000000000;
        spec.it_value.tv_nsec = ns.count() % 1000000000;
    }
    timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EventLoop::fire_due_timers() {
    uint64_t expirations;
    (void)!read(timer_.get(), &expirations, sizeof expirations);
    armed_ = TimePoint{};
    TimePoint now = Clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        TimerId id = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        auto it = timers_.find(id);
        if (it == timers_.end()) continue;
        TimerHandler handler = std::move(it->second.second);
        timers_.erase(it);
        handler();  // may add or cancel timers
    }
    rearm_timer();
}

Status EventLoop::run_once() {
    std::array<epoll_event, kMaxEventsPerWait> events;
    int n = epoll_wait(epoll_.get(), events.data(), kMaxEventsPerWait, -1);
    if (n < 0) {
        if (errno == EINTR) return ok_status();
        return sys_error("epoll_wait", "", errno);
    }
    for (int i = 0; i < n; ++i) {
        uint64_t data = events[i].data.u64;
        if (static_cast<int64_t>(data) == kTimerSlot) {
            fire_due_timers();
            continue;
        }
        int fd = static_cast<int>(static_cast<uint32_t>(data));
        uint64_t token = data >> 32;
        auto it = fds_.find(fd);
        if (it == fds_.end() || it->second.token != token) continue;  // unwatched meanwhile
        // Copy: the handler may unwatch (and so destroy) its own registration.
        FdHandler handler = it->second.handler;
        handler(events[i].events);
    }
    return ok_status();
}

}  // namespace sv::daemon
