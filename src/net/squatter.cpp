// /proc scanning to name whoever holds a socket name. Pure reading of procfs; a process
// that exits or an fd table we may not read is skipped, never an error.
#include "net/squatter.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "base/small_file.hpp"

namespace sv::net {
namespace {

bool all_digits(const char* s) {
    if (*s == '\0') return false;
    for (; *s; ++s)
        if (*s < '0' || *s > '9') return false;
    return true;
}

}  // namespace

std::vector<ino_t> socket_inodes_bound_to(const std::string& kernel_name,
                                          const std::string& proc_net_unix) {
    // Line format (net/unix/af_unix.c unix_seq_show):
    //   "%pK: %08X %08X %08X %04X %02X %5lu" then " " and the name, where an abstract
    //   name's NUL bytes are printed as '@'.
    std::vector<ino_t> inodes;
    // The whole table at once (no iostream file reads: see base/small_file.hpp);
    // 64 MiB is far more than any real /proc/net/unix.
    std::istringstream in(read_small_file(proc_net_unix, 64u << 20).value_or(""));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, refcount, protocol, flags, type, state;
        unsigned long inode = 0;
        if (!(fields >> slot >> refcount >> protocol >> flags >> type >> state >> inode)) continue;
        std::string rest;
        std::getline(fields, rest);
        if (rest.empty() || rest.front() != ' ') continue;
        if (rest.substr(1) == kernel_name) inodes.push_back(static_cast<ino_t>(inode));
    }
    return inodes;
}

std::vector<SocketHolder> holders_of(ino_t ino) {
    std::vector<SocketHolder> holders;
    const std::string wanted = "socket:[" + std::to_string(ino) + "]";
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return holders;
    while (dirent* pe = ::readdir(proc)) {
        if (!all_digits(pe->d_name)) continue;
        const std::string base = std::string("/proc/") + pe->d_name;
        DIR* fds = ::opendir((base + "/fd").c_str());
        if (fds == nullptr) continue;  // gone, or not ours to read
        bool found = false;
        while (dirent* fe = ::readdir(fds)) {
            if (!all_digits(fe->d_name)) continue;
            char target[64];
            ssize_t n = ::readlink((base + "/fd/" + fe->d_name).c_str(), target, sizeof target);
            if (n > 0 && std::string(target, static_cast<size_t>(n)) == wanted) {
                found = true;
                break;
            }
        }
        ::closedir(fds);
        if (!found) continue;
        SocketHolder h;
        h.pid = static_cast<pid_t>(std::atoi(pe->d_name));
        h.comm = read_small_file(base + "/comm", 4096).value_or("");
        if (!h.comm.empty() && h.comm.back() == '\n') h.comm.pop_back();
        h.cmdline = read_small_file(base + "/cmdline", 4096).value_or("");
        while (!h.cmdline.empty() && h.cmdline.back() == '\0') h.cmdline.pop_back();
        std::replace(h.cmdline.begin(), h.cmdline.end(), '\0', ' ');
        holders.push_back(std::move(h));
    }
    ::closedir(proc);
    std::sort(holders.begin(), holders.end(),
              [](const SocketHolder& a, const SocketHolder& b) { return a.pid < b.pid; });
    return holders;
}

std::string describe_holders(const std::string& kernel_name) {
    std::vector<SocketHolder> all;
    for (ino_t ino : socket_inodes_bound_to(kernel_name))
        for (auto& h : holders_of(ino)) all.push_back(std::move(h));
    if (all.empty()) return {};
    std::string text = all.size() == 1 ? "pid " : "pids ";
    for (size_t i = 0; i < all.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(all[i].pid) + " (" + all[i].comm + ")";
    }
    return text;
}

}  // namespace sv::net
