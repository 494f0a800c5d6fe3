// Internal to src/net: one binder per address family, called by bind_listener().
// Each returns a bound (and, for stream/seqpacket, listening) socket or an error, and
// leaves nothing behind on failure. Not part of the public interface.
#pragma once

#include "base/result.hpp"
#include "net/bind_session.hpp"
#include "net/listener.hpp"
#include "unit/unit.hpp"

namespace sv::net {

Result<BoundListener> bind_unix_path(const unit::ListenSpec& spec,
                                     BindSession& session);         // unix_path_binder.cpp
Result<BoundListener> bind_abstract(const unit::ListenSpec& spec);  // abstract_binder.cpp
Result<BoundListener> bind_inet(const unit::ListenSpec& spec);      // inet_binder.cpp

}  // namespace sv::net
