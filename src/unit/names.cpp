#include "unit/names.hpp"

#include <array>
#include <cstdio>

#include "base/limits.hpp"

namespace sv::unit {
namespace {

bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::string unit_name_from_file(std::string_view file) {
    std::string_view base = file;
    if (auto slash = base.rfind('/'); slash != std::string_view::npos)
        base = base.substr(slash + 1);
    if (base.ends_with(".toml")) base.remove_suffix(5);
    return std::string(base);
}

bool is_valid_unit_name(std::string_view name) {
    if (name.empty() || name.size() > limits::kMaxUnitNameLength) return false;
    if (name == "." || name == "..") return false;
    for (char c : name)
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '-') return false;
    return true;
}

bool is_valid_fd_name(std::string_view name) {
    if (name.empty() || name.size() > limits::kMaxFdNameLength) return false;
    for (char c : name)
        if (c < ' ' || c > '~' || c == ':') return false;
    return true;
}

bool is_valid_env_name(std::string_view name) {
    if (name.empty() || is_digit(name.front())) return false;
    for (char c : name)
        if (!is_alpha(c) && !is_digit(c) && c != '_') return false;
    return true;
}

bool is_reserved_env_name(std::string_view name) {
    static constexpr std::array<std::string_view, 5> kReserved{
        "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "SOCKVISOR_UNIT"};
    for (std::string_view r : kReserved)
        if (name == r) return true;
    return false;
}

std::string escaped(std::string_view text) {
    constexpr std::size_t kShown = 80;
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < kShown; ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\0':
                out += "\\0";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    if (text.size() > kShown) out += "...";
    return out;
}

}  // namespace sv::unit
