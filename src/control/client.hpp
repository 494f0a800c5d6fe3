// sockvisorctl's side of the wire: connect to the control socket, send one request
// line, read one reply line, within a deadline. Knows nothing about what the
// lines mean (protocol.hpp, outcome.hpp) and never prints.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "control/limits.hpp"

namespace sv::control {

// `request_line` must end in "\n". Returns the reply line without its "\n".
// Errors name the path and the errno text:
//   "cannot connect to '/run/sockvisor/control.sock': No such file or directory"
//   "cannot read a reply from '/run/...': no reply within 30 s"
Result<std::string> request_reply(const std::string& control_path, std::string_view request_line,
                                  std::chrono::milliseconds timeout = limits::kReplyTimeout,
                                  std::size_t max_reply_bytes = limits::kMaxReplyBytes);

}  // namespace sv::control
