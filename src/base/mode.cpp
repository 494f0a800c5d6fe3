#include "base/mode.hpp"

#include <cstdio>

namespace sv {

std::optional<mode_t> parse_mode(std::string_view text, mode_t max) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    mode_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '7') return std::nullopt;
        value = value * 8 + static_cast<mode_t>(c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

std::string format_mode(mode_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
    return buf;
}

}  // namespace sv
