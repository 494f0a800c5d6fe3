// Creating a socket (always SOCK_CLOEXEC, always blocking) and applying the declared
// socket options before bind. Never binds, never touches the filesystem.
#pragma once

#include <string>

#include "base/fd.hpp"
#include "base/result.hpp"
#include "unit/unit.hpp"

namespace sv::net {

int socket_type_flag(unit::SocketType type);  // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET

// The type the socket really has: tcp is always stream and udp always dgram, whatever
// `type` says (the loader rejects a conflict; this keeps the binder honest anyway).
unit::SocketType effective_type(const unit::ListenSpec& spec);

// socket(domain, type | SOCK_CLOEXEC). `object` names the address in errors.
Result<Fd> make_socket(int domain, int type, const std::string& object);

// SO_REUSEADDR (tcp), SO_REUSEPORT, IPV6_V6ONLY (v6: always set to the declared value),
// SO_PASSCRED (unix), SO_RCVBUF, SO_SNDBUF. Must run before bind: a dgram socket
// receives from the moment it is bound, and IPV6_V6ONLY cannot change after bind.
Status apply_socket_options(int fd, const unit::ListenSpec& spec, const std::string& object);

// listen(backlog) through the syscall seam, for stream and seqpacket only.
Status start_listening(int fd, const unit::ListenSpec& spec, const std::string& object);

}  // namespace sv::net
