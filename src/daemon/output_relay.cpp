#include "daemon/output_relay.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

namespace sv::daemon {

OutputRelay::~OutputRelay() {
    if (read_) {
        loop_.unwatch(read_.get());
        drain();
        if (auto last = lines_.finish())
            spdlog::info("{}| {}", name_, supervise::escape_log_line(*last));
    }
}

Result<int> OutputRelay::writer() {
    if (write_) return write_.get();
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return sys_error("pipe2", name_ + " output", errno);
    read_.reset(fds[0]);
    write_.reset(fds[1]);
    // Only our end is non-blocking: services keep ordinary blocking writes.
    fcntl(read_.get(), F_SETFL, O_NONBLOCK);
    if (auto st = loop_.watch(read_.get(), EPOLLIN, [this](uint32_t) { drain(); }); !st) {
        read_.reset();
        write_.reset();
        return st.error();
    }
    return write_.get();
}

void OutputRelay::drain() {
    char buf[16384];
    for (;;) {
        ssize_t n = read(read_.get(), buf, sizeof buf);
        if (n <= 0) break;  // EAGAIN: drained. EOF cannot happen: we hold the write end.
        for (const auto& line : lines_.feed(std::string_view(buf, static_cast<size_t>(n))))
            spdlog::info("{}| {}", name_, supervise::escape_log_line(line));
        if (n < static_cast<ssize_t>(sizeof buf)) break;
    }
}

}  // namespace sv::daemon
