#include "base/syscalls.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sv {
namespace {
SysCalls g_real;
SysCalls* g_current = &g_real;
}  // namespace

int SysCalls::bind(int fd, const sockaddr* addr, socklen_t len) { return ::bind(fd, addr, len); }
int SysCalls::listen(int fd, int backlog) { return ::listen(fd, backlog); }
int SysCalls::accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
    return ::accept4(fd, addr, len, flags);
}
int SysCalls::kill(pid_t pid, int sig) { return ::kill(pid, sig); }
int SysCalls::pidfd_open(pid_t pid, unsigned flags) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
pid_t SysCalls::fork() { return ::fork(); }

SysCalls& os() { return *g_current; }

ScopedSysCalls::ScopedSysCalls(SysCalls& calls) : previous_(g_current) { g_current = &calls; }
ScopedSysCalls::~ScopedSysCalls() { g_current = previous_; }

}  // namespace sv
