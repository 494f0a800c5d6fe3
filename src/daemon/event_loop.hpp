// The event loop: one thread, epoll over fds, plus deadlines on one timerfd that
// is re-armed to the earliest pending deadline. No ticks: with nothing due and no
// fd ready, epoll_wait blocks forever, so an idle supervisor makes zero wakeups.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace sv::daemon {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux
using TimePoint = Clock::time_point;

class EventLoop {
  public:
    using FdHandler = std::function<void(uint32_t events)>;
    using TimerHandler = std::function<void()>;
    using TimerId = uint64_t;

    static Result<EventLoop> create();
    EventLoop(EventLoop&&) = default;
    EventLoop& operator=(EventLoop&&) = default;

    // Watch `fd` (not owned) for `events` (EPOLLIN, ...). One handler per fd.
    Status watch(int fd, uint32_t events, FdHandler handler);
    // Stop watching; safe to call from inside a handler (even for the fd being handled).
    void unwatch(int fd);
    bool watching(int fd) const { return fds_.count(fd) != 0; }

    // Run `handler` once at `when` (or at the next iteration if already due).
    TimerId at(TimePoint when, TimerHandler handler);
    void cancel(TimerId id);

    // Wait for and dispatch one batch of events. Returns an error only when
    // epoll_wait itself fails (EINTR is not an error).
    Status run_once();

  private:
    EventLoop(Fd epoll, Fd timer) : epoll_(std::move(epoll)), timer_(std::move(timer)) {}
    void rearm_timer();
    void fire_due_timers();

    struct Watch {
        uint64_t token;
        FdHandler handler;
    };
    Fd epoll_;
    Fd timer_;
    uint64_t next_token_ = 1;
    std::unordered_map<int, Watch> fds_;
    std::multimap<TimePoint, TimerId> deadlines_;
    std::unordered_map<TimerId, std::pair<TimePoint, TimerHandler>> timers_;
    TimerId next_timer_ = 1;
    TimePoint armed_{};  // what the timerfd is armed for (epoch = disarmed)
};

}  // namespace sv::daemon
