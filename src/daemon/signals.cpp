#include "daemon/signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace sv::daemon {
namespace {
// Never runs while the signal is blocked; it exists so that, as PID 1, these
// signals are not "default disposition" (which the kernel drops for init).
void ignore_handler(int) {}
}  // namespace

Result<SignalSource> SignalSource::open() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT}) sigaddset(&set, s);
    struct sigaction sa {};
    sa.sa_handler = ignore_handler;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaction(s, &sa, nullptr);
    // A control client that hangs up must not kill the daemon on write().
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return sys_error("sigprocmask", "", errno);
    Fd fd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) return sys_error("signalfd", "", errno);
    return SignalSource(std::move(fd));
}

std::optional<signalfd_siginfo> SignalSource::next() {
    signalfd_siginfo info{};
    ssize_t n = read(fd_.get(), &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) return std::nullopt;
    return info;
}

}  // namespace sv::daemon
