// take_inherited_fds() with real sockets placed at fds 3.. and LISTEN_* set, as a
// parent supervisor would. Each case runs in a forked child: it may overwrite
// whatever gtest keeps at fds 3.. and edits the environment, neither of which may
// leak into other tests. The child reports "ok" or what went wrong through a pipe.
#include "activation/inherited_fds.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace sv::activation {
namespace {

// Runs `check` in a child; returns its verdict ("ok" or a description).
std::string in_child(const std::function<std::string()>& check) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) < 0) return "pipe failed";
    // Keep the report pipe far above the fds the test places at 3..
    const int report = ::fcntl(out[1], F_DUPFD_CLOEXEC, 100);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(out[0]);
        const std::string verdict = check();
        (void)!::write(report, verdict.data(), verdict.size());
        ::_exit(0);
    }
    ::close(out[1]);
    ::close(report);
    std::string verdict;
    char buf[256];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0) verdict.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "child crashed";
    return verdict;
}

// Places `count` datagram sockets at fds 3..3+count-1 (no CLOEXEC, as an exec would
// leave them), each bound to an abstract name "@sv-inherit-<pid>-<i>" so the test can
// tell them apart. Everything else the child had above 2 is closed.
bool place_sockets(int count) {
    std::vector<int> high;
    for (int i = 0; i < count; ++i) {
        int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const std::string name =
            "sv-inherit-" + std::to_string(::getpid()) + "-" + std::to_string(i);
        std::memcpy(addr.sun_path + 1, name.data(), name.size());
        if (::bind(s, reinterpret_cast<sockaddr*>(&addr),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())) < 0)
            return false;
        high.push_back(::fcntl(s, F_DUPFD_CLOEXEC, 200 + i));
        ::close(s);
    }
    // Clear 3..199 except what the report pipe uses (>= 100 is fine to keep).
    for (int fd = 3; fd < 100; ++fd) ::close(fd);
    for (int i = 0; i < count; ++i) {
        if (::dup2(high[i], 3 + i) < 0) return false;  // dup2 clears FD_CLOEXEC
        ::close(high[i]);
    }
    return true;
}

std::string abstract_name_of(int fd) {
    sockaddr_un addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) return "?";
    return std::string(addr.sun_path + 1, len - offsetof(sockaddr_un, sun_path) - 1);
}

void set_listen_env(const std::string& pid, const char* count, const char* names) {
    ::setenv("LISTEN_PID", pid.c_str(), 1);
    ::setenv("LISTEN_FDS", count, 1);
    if (names)
        ::setenv("LISTEN_FDNAMES", names, 1);
    else
        ::unsetenv("LISTEN_FDNAMES");
}

bool listen_env_gone() {
    return !::getenv("LISTEN_PID") && !::getenv("LISTEN_FDS") && !::getenv("LISTEN_FDNAMES");
}

TEST(InheritedFds, TakesNamedSocketsAndMarksThemCloexec) {
    EXPECT_EQ(in_child([]() -> std::string {
                  if (!place_sockets(3)) return "setup failed";
                  set_listen_env(std::to_string(::getpid()), "3", "http:admin:metrics");
                  auto r = take_inherited_fds();
                  if (!r.ok()) return r.error().message();
                  if (!listen_env_gone()) return "LISTEN_* still set";
                  const char* names[] = {"http", "admin", "metrics"};
                  if (r->size() != 3) return "got " + std::to_string(r->size()) + " fds";
                  for (int i = 0; i < 3; ++i) {
                      const InheritedFd& f = (*r)[i];
                      if (f.fd.get() != 3 + i) return "fd " + std::to_string(f.fd.get());
                      if (f.name != names[i]) return "name " + f.name;
                      if (!(::fcntl(f.fd.get(), F_GETFD) & FD_CLOEXEC)) return "no CLOEXEC";
                      const std::string want =
                          "sv-inherit-" + std::to_string(::getpid()) + "-" + std::to_string(i);
                      if (abstract_name_of(f.fd.get()) != want) return "wrong socket at fd";
                  }
                  r->clear();  // Fd owns them: closing the list closes fds 3..5
                  for (int fd = 3; fd < 6; ++fd)
                      if (::fcntl(fd, F_GETFD) != -1) return "fd still open after release";
                  return "ok";
              }),
              "ok");
}

TEST(InheritedFds, NamesDefaultToUnknown) {
    EXPECT_EQ(in_child([]() -> std::string {
                  if (!place_sockets(2)) return "setup failed";
                  set_listen_env(std::to_string(::getpid()), "2", nullptr);
                  auto r = take_inherited_fds();
                  if (!r.ok()) return r.error().message();
                  if (r->size() != 2) return "count";
                  if ((*r)[0].name != "unknown" || (*r)[1].name != "unknown") return "names";
                  return "ok";
              }),
              "ok");
}

TEST(InheritedFds, MeantForAnotherProcess) {
    // LISTEN_PID of the parent: the variables were for it, not us. Nothing taken,
    // fd 3 left alone, and the variables are still removed for our services.
    EXPECT_EQ(in_child([]() -> std::string {
                  if (!place_sockets(1)) return "setup failed";
                  set_listen_env(std::to_string(::getppid()), "1", "x");
                  auto r = take_inherited_fds();
                  if (!r.ok()) return r.error().message();
                  if (!r->empty()) return "took fds";
                  if (!listen_env_gone()) return "LISTEN_* still set";
                  if (::fcntl(3, F_GETFD) & FD_CLOEXEC) return "touched fd 3";
                  return "ok";
              }),
              "ok");
}

TEST(InheritedFds, NothingInherited) {
    EXPECT_EQ(in_child([]() -> std::string {
                  ::unsetenv("LISTEN_PID");
                  ::unsetenv("LISTEN_FDS");
                  auto r = take_inherited_fds();
                  if (!r.ok()) return r.error().message();
                  return r->empty() ? "ok" : "took fds";
              }),
              "ok");
}

TEST(InheritedFds, MalformedVariablesAreAnError) {
    EXPECT_EQ(in_child([]() -> std::string {
                  if (!place_sockets(2)) return "setup failed";
                  // Two fds, one name: libsystemd refuses rather than guess.
                  set_listen_env(std::to_string(::getpid()), "2", "only-one");
                  auto r = take_inherited_fds();
                  if (r.ok()) return "accepted";
                  if (!listen_env_gone()) return "LISTEN_* still set";
                  return r.error().message();
              }),
              "cannot take inherited fds 'LISTEN_FDS': Invalid argument");
    EXPECT_EQ(in_child([]() -> std::string {
                  set_listen_env(std::to_string(::getpid()), "lots", nullptr);
                  auto r = take_inherited_fds();
                  return r.ok() ? "accepted" : "ok";
              }),
              "ok");
}

}  // namespace
}  // namespace sv::activation
