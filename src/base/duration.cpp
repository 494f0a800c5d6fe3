#include "base/duration.hpp"

#include <cmath>
#include <cstdlib>

#include "base/limits.hpp"

namespace sv {

std::optional<Duration> duration_from_seconds(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return std::nullopt;
    // Rounded to the nearest millisecond, half up (the value is not negative), by
    // hand: std::round() is the only reason sockvisord would link libm.
    double ms = seconds * 1000.0 + 0.5;
    if (ms >= static_cast<double>(limits::kMaxDuration.count()) + 1.0) return std::nullopt;
    return Duration(static_cast<long long>(ms));
}

std::optional<Duration> parse_duration(std::string_view text) {
    if (text.empty() || text.size() > 32) return std::nullopt;
    std::string s(text);
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    std::string number = s.substr(0, i), unit = s.substr(i);
    if (number.find('.') != number.rfind('.') || number == ".") return std::nullopt;
    double value = std::strtod(number.c_str(), nullptr);
    double scale;
    if (unit.empty() || unit == "s" || unit == "sec") scale = 1.0;
    else if (unit == "ms" || unit == "msec") scale = 0.001;
    else if (unit == "min" || unit == "m") scale = 60.0;
    else if (unit == "h" || unit == "hr") scale = 3600.0;
    else return std::nullopt;
    return duration_from_seconds(value * scale);
}

std::string format_duration(Duration d) {
    long long ms = d.count();
    if (ms == 0) return "0s";
    if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
    if (ms % 60000 == 0) return std::to_string(ms / 60000) + "min";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace sv
