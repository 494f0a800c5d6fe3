// AcceptRunner: the shell around supervise/instance_pool for `accept = true`
// units — sockvisord accepts each connection and spawns one instance for it, and
// stops accepting (never accept-then-close) at max_connections or when out of fds.
#pragma once

#include <string>
#include <unordered_set>

#include "daemon/rate_limit.hpp"
#include "daemon/unit_runner.hpp"
#include "supervise/instance_pool.hpp"

namespace sv::daemon {

class AcceptRunner final : public UnitRunner {
  public:
    AcceptRunner(RunnerContext& ctx, unit::Unit unit);
    ~AcceptRunner() override;

    void start() override;
    void shutdown() override;
    bool has_process() const override { return !instances_.empty(); }
    supervise::State state() const override { return pool_.state; }
    void on_exit(pid_t pid, const supervise::ExitStatus& status) override;

    const supervise::Pool& pool() const { return pool_; }
    void request(OperatorRequest what) override;
    RunnerFacts facts() const override;

  private:
    void feed(supervise::PoolEventKind event);
    void apply(const supervise::Action& action);
    void accept_from(size_t listener);
    void spawn_instance(Fd connection, int family);
    // Out of fds (accept4 or the instance's output pipe): warn (rate-limited) and
    // let the pool pause accepting until an instance exits or the retry timer.
    void pause_for_fds(const std::string& why);

    supervise::Pool pool_;
    std::unordered_set<pid_t> instances_;  // each is its own session and process group
    EventLoop::TimerId timer_ = 0;
    RateLimit fds_log_limit_{3, std::chrono::seconds(60)};
};

}  // namespace sv::daemon
