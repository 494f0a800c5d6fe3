// NotifyRouter: sockvisord's NOTIFY_SOCKET. Receives each datagram, finds the unit
// whose process sent it, checks notify_access, parses it, and hands it over.
// Everything else — unknown senders, malformed or oversized messages — is dropped
// and logged at a rate-limited level; fds that are not stored close at once.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "activation/notify_socket.hpp"
#include "daemon/rate_limit.hpp"
#include "daemon/runner_context.hpp"

namespace sv::daemon {

class NotifyRouter {
  public:
    static Result<std::unique_ptr<NotifyRouter>> open(
        RunnerContext& ctx, const std::map<std::string, std::unique_ptr<UnitRunner>>& units,
        const std::string& path);
    ~NotifyRouter();

    const std::string& path() const { return socket_.path(); }

  private:
    NotifyRouter(RunnerContext& ctx,
                 const std::map<std::string, std::unique_ptr<UnitRunner>>& units,
                 activation::NotifySocket socket)
        : ctx_(ctx), units_(units), socket_(std::move(socket)) {}
    void drain();
    UnitRunner* find_unit(pid_t sender) const;

    RunnerContext& ctx_;
    const std::map<std::string, std::unique_ptr<UnitRunner>>& units_;
    activation::NotifySocket socket_;
    RateLimit drop_log_;
};

}  // namespace sv::daemon
