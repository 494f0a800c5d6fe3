#include "net/address.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "base/limits.hpp"

namespace sv::net {
namespace {

AddressError error(std::string_view text, std::string what) {
    return AddressError{"address '" + std::string(text) + "' " + std::move(what)};
}

// Collapse "//" and "/./" and reject ".." so that the declared path is the one
// the kernel reports (getsockname) and no component escapes its directory.
struct Normalized {
    std::string path;
    std::string problem;  // non-empty when the path is refused
};

Normalized normalize_path(const std::string& path) {
    std::string out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        std::string part = path.substr(i, j - i);
        i = j + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") return {{}, "has '..' in its path: not allowed"};
        out += "/" + part;
    }
    if (out.empty()) return {{}, "names a directory, not a socket path"};
    if (path.back() == '/') return {{}, "ends with '/': it names a directory"};
    return {out, {}};
}

std::variant<Address, AddressError> parse_inet(std::string_view text, Family family,
                                               std::string_view rest) {
    Address a;
    a.family = family;
    std::string_view host, port;
    if (!rest.empty() && rest.front() == '[') {
        size_t close = rest.find(']');
        if (close == std::string_view::npos) return error(text, "has '[' without ']'");
        host = rest.substr(1, close - 1);
        if (close + 1 >= rest.size() || rest[close + 1] != ':')
            return error(text, "needs a port: tcp://[::1]:PORT");
        port = rest.substr(close + 2);
        a.ipv6 = true;
    } else {
        size_t colon = rest.rfind(':');
        if (colon == std::string_view::npos) return error(text, "needs a port: tcp://HOST:PORT");
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return error(text, "has an IPv6 host without brackets: write [::1]:PORT");
    }
    if (host.empty()) return error(text, "has an empty host (use 0.0.0.0 or [::] for all)");
    std::string h(host);
    unsigned char buf[sizeof(in6_addr)];
    if (a.ipv6 ? inet_pton(AF_INET6, h.c_str(), buf) != 1 : inet_pton(AF_INET, h.c_str(), buf) != 1)
        return error(text, "has a host that is not a numeric " +
                               std::string(a.ipv6 ? "IPv6" : "IPv4") + " address: '" + h + "'");
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535)
        return error(text, "has an invalid port '" + std::string(port) + "' (0-65535)");
    a.host = h;
    a.port = static_cast<uint16_t>(value);
    return a;
}

}  // namespace

bool is_relative_path(std::string_view text) {
    return !text.empty() && text.front() != '/' && text.front() != '@' &&
           text.find("://") == std::string_view::npos;
}

std::variant<Address, AddressError> parse_address(std::string_view text,
                                                  std::string_view runtime_dir) {
    if (text.empty()) return error(text, "is empty");
    if (text.find('\0') != std::string_view::npos) return error(text, "contains a NUL byte");
    if (text.starts_with("tcp://")) return parse_inet(text, Family::tcp, text.substr(6));
    if (text.starts_with("udp://")) return parse_inet(text, Family::udp, text.substr(6));
    if (text.find("://") != std::string_view::npos)
        return error(text, "has an unknown scheme (expected tcp:// or udp://)");
    Address a;
    if (text.front() == '@') {
        a.family = Family::unix_abstract;
        a.path = std::string(text.substr(1));
        if (a.path.empty()) return error(text, "has an empty abstract name");
        if (a.path.size() > limits::kMaxUnixPathLength)
            return error(text, "is too long: an abstract name holds at most " +
                                   std::to_string(limits::kMaxUnixPathLength) + " bytes");
        return a;
    }
    a.family = Family::unix_path;
    std::string joined(text);
    if (text.front() != '/') joined = std::string(runtime_dir) + "/" + joined;
    auto norm = normalize_path(joined);
    if (!norm.problem.empty()) return error(text, norm.problem);
    a.path = norm.path;
    if (a.path.size() > limits::kMaxUnixPathLength)
        return error(text, "is too long: '" + a.path + "' is " + std::to_string(a.path.size()) +
                               " bytes, a Unix socket path holds at most " +
                               std::to_string(limits::kMaxUnixPathLength));
    return a;
}

std::string to_string(const Address& a) {
    switch (a.family) {
        case Family::unix_path:
            return a.path;
        case Family::unix_abstract:
            return "@" + a.path;
        case Family::tcp:
        case Family::udp: {
            std::string scheme = a.family == Family::tcp ? "tcp://" : "udp://";
            std::string host = a.ipv6 ? "[" + a.host + "]" : a.host;
            return scheme + host + ":" + std::to_string(a.port);
        }
    }
    return {};
}

}  // namespace sv::net
