#include "control/status_table.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace sv::control {
namespace {

constexpr std::array<std::string_view, 7> kHeader{"UNIT",     "STATE",       "PID",   "UPTIME",
                                                  "RESTARTS", "CONNECTIONS", "LISTEN"};
using Row = std::array<std::string, kHeader.size()>;

std::string printable(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

Row row_of(const UnitStatus& u) {
    std::string listen;
    for (const auto& l : u.listen) {
        if (!listen.empty()) listen += ' ';
        listen += format_listen(l);
    }
    return {printable(u.name),
            printable(u.state),
            u.pid ? std::to_string(*u.pid) : "-",
            format_uptime(u.uptime_s),
            std::to_string(u.restarts),
            format_connections(u),
            listen};
}

}  // namespace

std::string format_uptime(std::optional<double> seconds) {
    if (!seconds || !std::isfinite(*seconds)) return "-";
    // Clamp before converting: a double past long long's range is undefined to cast.
    double clamped = std::clamp(*seconds, 0.0, 1e15);
    auto s = static_cast<long long>(clamped);
    auto two = [](long long big, char big_unit, long long small, char small_unit) {
        return std::to_string(big) + big_unit + std::to_string(small) + small_unit;
    };
    if (s >= 86400) return two(s / 86400, 'd', s % 86400 / 3600, 'h');
    if (s >= 3600) return two(s / 3600, 'h', s % 3600 / 60, 'm');
    if (s >= 60) return two(s / 60, 'm', s % 60, 's');
    return std::to_string(s) + "s";
}

std::string format_listen(const ListenStatus& l) {
    std::string out = printable(l.address) + "(" + printable(l.type);
    if (l.mode) out.append(",").append(printable(*l.mode));
    if (l.owner || l.group) {
        out += ",";
        if (l.owner) out += printable(*l.owner);
        if (l.group) out.append(":").append(printable(*l.group));
    }
    return out + ")";
}

std::string format_connections(const UnitStatus& u) {
    if (!u.accepted && !u.active) return "-";
    return std::to_string(u.active.value_or(0)) + "/" + std::to_string(u.accepted.value_or(0));
}

std::string render_table(const std::vector<UnitStatus>& units) {
    std::vector<Row> rows;
    rows.reserve(units.size() + 1);
    Row header;
    std::copy(kHeader.begin(), kHeader.end(), header.begin());
    rows.push_back(header);
    for (const auto& u : units) rows.push_back(row_of(u));

    std::array<std::size_t, kHeader.size()> width{};
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());

    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line.append(width[c] - row[c].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

}  // namespace sv::control
