// sv-report: a black-box service for tests (ARCHITECTURE rule 12, as tini's
// sigconf-test). It prints one JSON object describing what it inherited — ids,
// session, umask, cwd, fds and sockets, signal state, environment, and
// sd_listen_fds_with_names() — and can then serve fd 3 like a real service.
// It must observe before it changes anything (sd_listen_fds sets FD_CLOEXEC).
//
//   sv-report [--out FILE] [--notify-ready] [--serve] [--echo] [--sleep S] [--exit N]
//
//   --out FILE      write the report to FILE (atomically: FILE.tmp then rename);
//                   default $REPORT_FILE, else stdout
//   --notify-ready  sd_notify("READY=1") once the report is written
//   --serve         answer on fd 3: a listening stream/seqpacket socket is accepted
//                   forever, each connection gets the report (one line) and is
//                   closed; a datagram socket answers each datagram's sender; a
//                   connected socket (accept = true) is answered once, then exit
//   --echo          with --serve: echo what the peer sends instead of the report
//   --sleep S       sleep S seconds (fractional) before exiting
//   --exit N        exit status (default 0)
//
// "ready" goes to stderr once everything above, except serving and sleeping, is
// done, so tests wait for it instead of sleeping.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

extern char** environ;

namespace {

using nlohmann::json;

struct Options {
    std::string out;
    bool notify_ready = false;
    bool serve = false;
    bool echo = false;
    double sleep_s = 0;
    int exit_code = 0;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "sv-report: %s\nusage: sv-report [--out FILE] [--notify-ready] [--serve] "
                 "[--echo] [--sleep S] [--exit N]\n",
                 why);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    if (const char* f = std::getenv("REPORT_FILE")) o.out = f;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(("missing value for " + a).c_str());
            return argv[++i];
        };
        if (a == "--out")
            o.out = value();
        else if (a == "--notify-ready")
            o.notify_ready = true;
        else if (a == "--serve")
            o.serve = true;
        else if (a == "--echo")
            o.echo = true;
        else if (a == "--sleep")
            o.sleep_s = std::atof(value().c_str());
        else if (a == "--exit")
            o.exit_code = std::atoi(value().c_str());
        else
            usage(("unknown option " + a).c_str());
    }
    return o;
}

std::string read_link(const std::string& path) {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

// "Key:\tvalue" lines of /proc/self/status.
std::string status_field(const std::string& key) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.compare(0, key.size() + 1, key + ":") == 0) {
            auto v = line.substr(key.size() + 1);
            v.erase(0, v.find_first_not_of(" \t"));
            return v;
        }
    }
    return {};
}

const char* type_name(int type) {
    switch (type) {
        case SOCK_STREAM:
            return "stream";
        case SOCK_DGRAM:
            return "dgram";
        case SOCK_SEQPACKET:
            return "seqpacket";
        default:
            return "other";
    }
}

// getsockname()/getpeername() as text: "/path", "@abstract", "1.2.3.4:80",
// "[::1]:80"; "" for an unnamed Unix socket.
std::string address_text(const sockaddr_storage& ss, socklen_t len) {
    char host[INET6_ADDRSTRLEN] = "";
    switch (ss.ss_family) {
        case AF_UNIX: {
            const auto& un = reinterpret_cast<const sockaddr_un&>(ss);
            size_t n =
                len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
            if (n == 0) return "";
            if (un.sun_path[0] == '\0') return "@" + std::string(un.sun_path + 1, n - 1);
            return std::string(un.sun_path, strnlen(un.sun_path, n));
        }
        case AF_INET: {
            const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
            inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
            return std::string(host) + ":" + std::to_string(ntohs(in.sin_port));
        }
        case AF_INET6: {
            const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
            inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
            return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6.sin6_port));
        }
        default:
            return "family " + std::to_string(ss.ss_family);
    }
}

json socket_info(int fd) {
    json s;
    int type = 0, listening = 0;
    socklen_t l = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0) s["type"] = type_name(type);
    l = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) == 0)
        s["listening"] = listening != 0;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        s["family"] = ss.ss_family == AF_UNIX    ? "unix"
                      : ss.ss_family == AF_INET  ? "inet"
                      : ss.ss_family == AF_INET6 ? "inet6"
                                                 : "other";
        s["address"] = address_text(ss, len);
    }
    len = sizeof ss;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
        s["peer"] = address_text(ss, len);
    return s;
}

json fds_info() {
    json fds = json::array();
    DIR* d = opendir("/proc/self/fd");
    if (d == nullptr) return fds;
    std::vector<int> numbers;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd != dirfd(d)) numbers.push_back(fd);  // not the listing's own fd
    }
    closedir(d);
    std::sort(numbers.begin(), numbers.end());
    for (int fd : numbers) {
        json f;
        f["fd"] = fd;
        f["target"] = read_link("/proc/self/fd/" + std::to_string(fd));
        int flags = fcntl(fd, F_GETFD);
        f["cloexec"] = flags >= 0 && (flags & FD_CLOEXEC) != 0;
        struct stat st {};
        if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) f["socket"] = socket_info(fd);
        fds.push_back(f);
    }
    return fds;
}

json collect() {
    json r;
    r["pid"] = getpid();
    r["ppid"] = getppid();
    r["sid"] = getsid(0);
    r["pgid"] = getpgrp();
    r["uid"] = getuid();
    r["gid"] = getgid();
    r["euid"] = geteuid();
    r["egid"] = getegid();
    std::vector<gid_t> groups(static_cast<size_t>(std::max(getgroups(0, nullptr), 0)));
    int n = getgroups(static_cast<int>(groups.size()), groups.data());
    groups.resize(static_cast<size_t>(std::max(n, 0)));
    r["groups"] = groups;
    r["umask"] = status_field("Umask");  // read, not umask(): reporting must not change it
    char cwd[4096];
    r["cwd"] = getcwd(cwd, sizeof cwd) ? cwd : "";
    r["fds"] = fds_info();  // before sd_listen_fds, which sets FD_CLOEXEC
    r["sig_blk"] = status_field("SigBlk");
    r["sig_ign"] = status_field("SigIgn");
    r["sig_cgt"] = status_field("SigCgt");
    json env = json::object();
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry = *e;
        auto eq = entry.find('=');
        if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    r["env"] = env;
    char** names = nullptr;
    int count = sd_listen_fds_with_names(0, &names);
    json listen;
    listen["count"] = count;
    listen["names"] = json::array();
    if (count < 0) listen["error"] = std::strerror(-count);
    for (int i = 0; count > 0 && i < count; ++i) {
        listen["names"].push_back(names ? names[i] : "");
        if (names) free(names[i]);
    }
    free(names);
    r["listen"] = listen;
    return r;
}

bool write_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

bool emit(const Options& o, const std::string& text) {
    if (o.out.empty()) return write_all(1, text);
    std::string tmp = o.out + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool ok = write_all(fd, text);
    ok = close(fd) == 0 && ok;
    return ok && rename(tmp.c_str(), o.out.c_str()) == 0;  // readers never see half a report
}

void echo_stream(int in, int out) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        if (!write_all(out, std::string(buf, static_cast<size_t>(n)))) return;
    }
}

void answer(int conn, const Options& o, const std::string& line) {
    if (o.echo)
        echo_stream(conn, conn);
    else
        write_all(conn, line);
}

int serve(const Options& o, const std::string& line) {
    const int fd = SD_LISTEN_FDS_START;
    int type = 0, listening = 0;
    socklen_t l = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0) {
        std::fprintf(stderr, "sv-report: fd 3 is not a socket: %s\n", std::strerror(errno));
        return 1;
    }
    l = sizeof listening;
    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l);
    if (type == SOCK_DGRAM) {
        char buf[65536];
        for (;;) {
            sockaddr_storage peer{};
            socklen_t plen = sizeof peer;
            ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &plen);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return 1;
            if (plen == 0 || (peer.ss_family == AF_UNIX && plen <= sizeof(sa_family_t)))
                continue;  // an unbound sender cannot be answered
            const char* data = o.echo ? buf : line.data();
            size_t len = o.echo ? static_cast<size_t>(n) : line.size();
            sendto(fd, data, len, 0, reinterpret_cast<sockaddr*>(&peer), plen);
        }
    }
    if (!listening) {  // accept = true: one connected socket
        answer(fd, o, line);
        return o.exit_code;
    }
    for (;;) {
        int conn = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return 1;
        }
        answer(conn, o, line);
        close(conn);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse(argc, argv);
    std::string line = collect().dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    if (!emit(o, line)) {
        std::fprintf(stderr, "sv-report: cannot write the report: %s\n", std::strerror(errno));
        return 1;
    }
    if (o.notify_ready) sd_notify(0, "READY=1");
    std::fputs("ready\n", stderr);
    std::fflush(stderr);
    if (o.serve) return serve(o, line);
    if (o.sleep_s > 0) {
        timespec ts{static_cast<time_t>(o.sleep_s),
                    static_cast<long>(
                        (o.sleep_s - static_cast<double>(static_cast<time_t>(o.sleep_s))) * 1e9)};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        }
    }
    return o.exit_code;
}
