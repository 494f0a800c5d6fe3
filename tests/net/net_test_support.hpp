// Shared helpers for the src/net tests: a private temp directory under /tmp, ListenSpec
// builders, small client helpers. Real syscalls only; nothing here is mocked.
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "base/fd.hpp"
#include "net/listener.hpp"
#include "unit/unit.hpp"

namespace sv::net::testing {

class TempDir {
  public:
    TempDir() {
        char tmpl[] = "/tmp/sv-net-test-XXXXXX";
        path_ = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        ::nftw(
            path_.c_str(), [](const char* p, const struct stat*, int, FTW*) { return ::remove(p); },
            64, FTW_DEPTH | FTW_PHYS);
    }
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

inline unit::ListenSpec path_spec(const std::string& path,
                                  unit::SocketType type = unit::SocketType::stream) {
    unit::ListenSpec s;
    s.address_text = path;
    s.address.family = Family::unix_path;
    s.address.path = path;
    s.type = type;
    return s;
}

inline unit::ListenSpec abstract_spec(const std::string& name,
                                      unit::SocketType type = unit::SocketType::stream) {
    unit::ListenSpec s;
    s.address_text = "@" + name;
    s.address.family = Family::unix_abstract;
    s.address.path = name;
    s.type = type;
    return s;
}

inline unit::ListenSpec inet_spec(Family family, const std::string& host, bool ipv6,
                                  uint16_t port = 0) {
    unit::ListenSpec s;
    s.address.family = family;
    s.address.host = host;
    s.address.ipv6 = ipv6;
    s.address.port = port;
    s.type = family == Family::tcp ? unit::SocketType::stream : unit::SocketType::dgram;
    s.address_text = to_string(s.address);
    return s;
}

inline struct stat lstat_of(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) st.st_ino = 0;
    return st;
}

inline bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

inline sockaddr_un unix_addr(const std::string& path, bool abstract, socklen_t& len) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (abstract) {
        std::memcpy(sa.sun_path + 1, path.data(), path.size());
        len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + path.size());
    } else {
        std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
        len = sizeof sa;
    }
    return sa;
}

// Connect a client of `type` to a Unix socket; returns -errno on failure.
inline int unix_connect(const std::string& path, int type, bool abstract, Fd& out) {
    out = Fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    socklen_t len = 0;
    sockaddr_un sa = unix_addr(path, abstract, len);
    if (::connect(out.get(), reinterpret_cast<sockaddr*>(&sa), len) < 0) return -errno;
    return 0;
}

inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace sv::net::testing
