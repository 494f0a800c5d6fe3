#include "daemon/unit_runner.hpp"

#include <spdlog/spdlog.h>

namespace sv::daemon {

UnitRunner::UnitRunner(EventLoop& loop, unit::Unit unit) : loop_(loop), unit_(std::move(unit)) {}

UnitRunner::~UnitRunner() { release(); }

Status UnitRunner::bind() {
    for (const auto& spec : unit_.listen) {
        auto bound = net::bind_listener(spec);
        if (!bound) {
            failed_ = true;
            release();
            return bound.error();
        }
        spdlog::info("{}: bound {}", unit_.name, net::describe(spec));
        listeners_.push_back(std::move(bound.value()));
    }
    return ok_status();
}

void UnitRunner::release() {
    for (auto& l : listeners_) net::release_listener(l, true);
    listeners_.clear();
}

}  // namespace sv::daemon
