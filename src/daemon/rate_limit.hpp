// RateLimit: "at most N events per interval", for log lines any local user can
// trigger (notify datagrams, control clients). Pure apart from reading the clock.
#pragma once

#include <chrono>

namespace sv::daemon {

class RateLimit {
  public:
    // 10 lines per 10 s: enough to see an attack or a bug, too few to fill a disk.
    explicit RateLimit(int burst = 10, std::chrono::seconds interval = std::chrono::seconds(10))
        : burst_(burst), interval_(interval) {}

    // True when this event may be logged; counts the ones that may not.
    bool allow() {
        auto now = std::chrono::steady_clock::now();
        if (now - window_start_ >= interval_) {
            window_start_ = now;
            count_ = 0;
        }
        if (count_ < burst_) {
            ++count_;
            return true;
        }
        ++suppressed_;
        return false;
    }
    long suppressed() const { return suppressed_; }

  private:
    int burst_;
    std::chrono::steady_clock::duration interval_;
    std::chrono::steady_clock::time_point window_start_{};
    int count_ = 0;
    long suppressed_ = 0;
};

}  // namespace sv::daemon
