// ServiceRunner: the shell around supervise/lifecycle for a unit with one main
// process. It turns loop events into lifecycle events, applies the actions the
// table returns, and logs one line per transition. Decides nothing itself.
#pragma once

#include <vector>

#include "daemon/unit_runner.hpp"
#include "supervise/lifecycle.hpp"

namespace sv::daemon {

class ServiceRunner final : public UnitRunner {
  public:
    ServiceRunner(RunnerContext& ctx, unit::Unit unit);
    ~ServiceRunner() override;

    void start() override;
    void shutdown() override;
    bool has_process() const override { return main_pid_ > 0 || pgid_alive_; }
    supervise::State state() const override { return lc_.state; }
    void on_exit(pid_t pid, const supervise::ExitStatus& status) override;
    void on_notify(pid_t sender, const activation::NotifyMessage& msg,
                   std::vector<Fd>& fds) override;
    pid_t main_pid() const override { return main_pid_; }
    pid_t session() const override { return session_; }

    const supervise::Lifecycle& lifecycle() const { return lc_; }
    const std::string& status_text() const { return status_text_; }

    void request(OperatorRequest what) override;
    RunnerFacts facts() const override;

  private:
    void feed(const supervise::Event& event);
    void push_next(const supervise::Event& event);
    void apply(const supervise::Action& action);
    void do_spawn();
    void forget_process();

    supervise::Lifecycle lc_;
    // FIFO of events not yet stepped: [next_, size) is pending. A vector, not a
    // std::deque: an idle unit holds no allocation (a deque allocates ~570 B
    // even when empty); feed() frees it once drained.
    std::vector<supervise::Event> pending_;
    size_t next_ = 0;
    bool feeding_ = false;
    pid_t main_pid_ = 0;
    pid_t session_ = 0;  // the first pid: the service's session and process group
    bool pgid_alive_ = false;
    EventLoop::TimerId timer_ = 0;
    std::string status_text_;
    std::vector<std::pair<Fd, std::string>> fd_store_;
};

}  // namespace sv::daemon
