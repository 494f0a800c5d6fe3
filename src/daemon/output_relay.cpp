#include "daemon/output_relay.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

namespace sv::daemon {

Result<std::unique_ptr<OutputRelay>> OutputRelay::open(EventLoop& loop, std::string unit_name) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return sys_error("pipe2", unit_name + " output", errno);
    Fd read(fds[0]), write(fds[1]);
    // Only our end is non-blocking: services keep ordinary blocking writes.
    fcntl(read.get(), F_SETFL, O_NONBLOCK);
    std::unique_ptr<OutputRelay> relay(
        new OutputRelay(loop, std::move(unit_name), std::move(read), std::move(write)));
    OutputRelay* raw = relay.get();
    if (auto st = loop.watch(raw->read_.get(), EPOLLIN, [raw](uint32_t) { raw->drain(); }); !st)
        return st.error();
    return relay;
}

OutputRelay::~OutputRelay() {
    if (!finished_ && read_) {
        drain();
        if (!finished_) finish();
    }
}

void OutputRelay::drain() {
    char buf[16384];
    for (;;) {
        ssize_t n = read(read_.get(), buf, sizeof buf);
        if (n == 0) {
            finish();
            return;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) finish();
            return;
        }
        for (const auto& line : lines_.feed(std::string_view(buf, static_cast<size_t>(n))))
            spdlog::info("{}| {}", name_, supervise::escape_log_line(line));
        if (n < static_cast<ssize_t>(sizeof buf)) return;
    }
}

void OutputRelay::finish() {
    if (auto last = lines_.finish())
        spdlog::info("{}| {}", name_, supervise::escape_log_line(*last));
    loop_.unwatch(read_.get());
    read_.reset();
    finished_ = true;
}

}  // namespace sv::daemon
