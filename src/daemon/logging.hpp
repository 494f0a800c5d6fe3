// sockvisord's logger: spdlog to stderr, as text or one JSON object per line.
// Services' output (stdout/stderr = "log") goes through the same logger.
#pragma once

#include <string>

namespace sv::daemon {

// level: trace|debug|info|warn|error; format: text|json. Call once, early.
void setup_logging(const std::string& level, const std::string& format);

}  // namespace sv::daemon
