// Socket addresses as unit files write them, parsed into a plain value and
// printed back. Pure: no sockets, no filesystem. Binding lives in binder.hpp.
//
//   /abs/path, rel/path   pathname Unix socket (relative to the runtime dir)
//   @name                 abstract-namespace Unix socket
//   tcp://HOST:PORT       TCP; IPv6 host as [::1]
//   udp://HOST:PORT       UDP
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sv::net {

enum class Family { unix_path, unix_abstract, tcp, udp };

struct Address {
    Family family = Family::unix_path;
    // unix_path: the absolute path (relative ones joined to the runtime dir).
    // unix_abstract: the name without the '@'.
    std::string path;
    // tcp/udp: numeric host (no brackets) and port.
    std::string host;
    uint16_t port = 0;
    bool ipv6 = false;

    bool is_unix() const { return family == Family::unix_path || family == Family::unix_abstract; }
    bool operator==(const Address&) const = default;
};

struct AddressError {
    std::string message;  // "address 'tcp://x:1' has an invalid host: ..."
};

// Relative paths are joined to `runtime_dir` (which must be absolute).
std::variant<Address, AddressError> parse_address(std::string_view text,
                                                  std::string_view runtime_dir);

// Canonical text: "/run/a.sock", "@name", "tcp://127.0.0.1:80", "udp://[::1]:53".
std::string to_string(const Address& address);

// True when the text names a path relative to the runtime dir.
bool is_relative_path(std::string_view text);

}  // namespace sv::net
