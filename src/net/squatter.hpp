// Who holds a Unix socket name: /proc/net/unix maps a bound name to socket inodes,
// /proc/*/fd maps "socket:[inode]" to processes. Read-only; never signals or touches
// the holder. Only sees this network namespace and the /proc/PID/fd we may read.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sv::net {

struct SocketHolder {
    pid_t pid = 0;
    std::string comm;     // /proc/PID/comm
    std::string cmdline;  // /proc/PID/cmdline, NULs as spaces
};

// Socket inodes bound to `kernel_name` as /proc/net/unix prints it: "@name" for an
// abstract name, the path for a pathname socket. `proc_net_unix` is for tests.
std::vector<ino_t> socket_inodes_bound_to(const std::string& kernel_name,
                                          const std::string& proc_net_unix = "/proc/net/unix");

// Processes with an fd on socket inode `ino`.
std::vector<SocketHolder> holders_of(ino_t ino);

// "pid 1234 (socat)", "pids 12 (a), 13 (b)", or "" when nobody visible holds it.
std::string describe_holders(const std::string& kernel_name);

}  // namespace sv::net
