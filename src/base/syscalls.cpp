#include "base/syscalls.hpp"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

namespace sv {
namespace {
SysCalls g_real;
SysCalls* g_current = &g_real;
}  // namespace

int SysCalls::bind(int fd, const sockaddr* addr, socklen_t len) {
    return ::bind(fd, addr, len);
}
int SysCalls::listen(int fd, int backlog) {
    return ::listen(fd, backlog);
}
int SysCalls::accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
    return ::accept4(fd, addr, len, flags);
}
int SysCalls::kill(pid_t pid, int sig) {
    return ::kill(pid, sig);
}
pid_t SysCalls::clone(int (*fn)(void*), void* stack, int flags, void* arg) {
    return ::clone(fn, stack, flags, arg);
}

SysCalls& os() {
    return *g_current;
}

ScopedSysCalls::ScopedSysCalls(SysCalls& calls) : previous_(g_current) {
    g_current = &calls;
}
ScopedSysCalls::~ScopedSysCalls() {
    g_current = previous_;
}

}  // namespace sv
