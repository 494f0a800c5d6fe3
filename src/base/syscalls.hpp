// The narrow seam for the syscalls whose failures must be tested (EMFILE,
// EADDRINUSE, EAGAIN, EPERM): production code calls them through os(); a test
// installs a subclass that fails on demand. Everything else is called directly
// and tested for real in a temporary directory.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

namespace sv {

class SysCalls {
  public:
    virtual ~SysCalls() = default;
    virtual int bind(int fd, const sockaddr* addr, socklen_t len);
    virtual int listen(int fd, int backlog);
    virtual int accept4(int fd, sockaddr* addr, socklen_t* len, int flags);
    virtual int kill(pid_t pid, int sig);
    // glibc's clone(fn, stack, flags, arg): the Spawner's only process creation.
    virtual pid_t clone(int (*fn)(void*), void* stack, int flags, void* arg);
};

// The process-wide instance (the real one unless a test swapped it).
SysCalls& os();

// Install `calls` for the lifetime of the guard (tests only).
class ScopedSysCalls {
  public:
    explicit ScopedSysCalls(SysCalls& calls);
    ~ScopedSysCalls();
    ScopedSysCalls(const ScopedSysCalls&) = delete;
    ScopedSysCalls& operator=(const ScopedSysCalls&) = delete;

  private:
    SysCalls* previous_;
};

}  // namespace sv
