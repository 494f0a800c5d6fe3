// Parsing of sd_notify(3) datagrams, following what systemd's service_notify_message()
// accepts: exact "KEY=1" flags, first occurrence of a key wins, a bad value drops only
// that assignment. Pure string work; never touches the process or a socket.
#include "activation/notify_message.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "base/limits.hpp"
#include "base/utf8.hpp"

namespace sv::activation {
namespace {

// STATUS= ends up in `sockvisorctl status` (a terminal) and in JSON. systemd drops a
// status that is not UTF-8 (so do we, in parse); within valid UTF-8 we replace the
// C0 and C1 control characters and DEL with U+FFFD so a service cannot move the
// cursor or recolour an operator's terminal. A tab reads as a space.
std::optional<std::string> sanitized_status(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size();) {
        const std::size_t len = utf8_sequence_at(value, i);
        if (len == 0) return std::nullopt;
        const auto b0 = static_cast<unsigned char>(value[i]);
        const bool c0 = len == 1 && (b0 < 0x20 || b0 == 0x7f);
        const bool c1 = len == 2 && b0 == 0xc2 && static_cast<unsigned char>(value[i + 1]) < 0xa0;
        if (c0 && b0 == '\t')
            out += ' ';
        else if (c0 || c1)
            out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
        else
            out.append(value.substr(i, len));
        i += len;
    }
    return out;
}

// Plain decimal digits only: from_chars alone would accept a leading '-'.
template <class Int>
std::optional<Int> parse_decimal(std::string_view text) {
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    Int value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// An assignment as it appears in `ignored`: ASCII-only (other bytes as \xHH) and
// cut at 80 bytes, because the daemon logs these lines and a service must not be
// able to put escape sequences or 4 KiB of noise into the log through them.
std::string printable(std::string_view line) {
    constexpr std::size_t kShown = 80;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < line.size() && i < kShown; ++i) {
        const auto b = static_cast<unsigned char>(line[i]);
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            out += static_cast<char>(b);
        } else {
            out += "\\x";
            out += kHex[b >> 4];
            out += kHex[b & 0xf];
        }
    }
    if (line.size() > kShown) out += "...";
    return out;
}

// Keys systemd defines that sockvisor deliberately does not act on.
constexpr std::array<std::string_view, 9> kRecognisedUnsupported = {
    "WATCHDOG_USEC", "EXTEND_TIMEOUT_USEC", "BUSERROR",
    "EXIT_STATUS",   "MONOTONIC_USEC",      "NOTIFYACCESS",
    "FDPOLL",        "SUCCESS_EXIT_STATUS", "ERROR"};

struct Assignment {
    std::string_view line;
    std::string_view key;
    std::string_view value;
};

class Parser {
  public:
    NotifyMessage message;

    void apply(const Assignment& a) {
        if (std::find(seen_.begin(), seen_.end(), a.key) != seen_.end())
            return ignore(a, "repeated key; the first one counts");
        seen_.push_back(a.key);

        if (a.key == "READY") return flag(a, message.ready);
        if (a.key == "RELOADING") return flag(a, message.reloading);
        if (a.key == "STOPPING") return flag(a, message.stopping);
        if (a.key == "FDSTORE") return flag(a, message.fdstore);
        if (a.key == "FDSTOREREMOVE") return flag(a, message.fdstoreremove);
        if (a.key == "BARRIER") return flag(a, message.barrier);
        if (a.key == "STATUS") {
            if (auto text = sanitized_status(a.value))
                message.status = std::move(*text);
            else
                ignore(a, "not valid UTF-8");
            return;
        }
        if (a.key == "MAINPID") {
            auto pid = parse_decimal<pid_t>(a.value);
            if (pid && *pid > 0)
                message.mainpid = *pid;
            else
                ignore(a, "not a pid");
            return;
        }
        if (a.key == "ERRNO") {
            auto err = parse_decimal<int>(a.value);
            if (err && *err <= limits::kMaxNotifyErrno)
                message.errno_value = *err;
            else
                ignore(a, "not an errno number");
            return;
        }
        if (a.key == "FDNAME") {
            if (is_valid_fd_name(a.value))
                message.fdname = std::string(a.value);
            else
                ignore(a, "invalid fd name");
            return;
        }
        if (a.key == "WATCHDOG") {
            if (a.value == "1" || a.value == "trigger")
                message.watchdog = true;
            else
                ignore(a, "unknown value");
            return;
        }
        const auto& known = kRecognisedUnsupported;
        if (std::find(known.begin(), known.end(), a.key) != known.end())
            return ignore(a, "not supported by sockvisor");
        ignore(a, "unknown key");
    }

    // systemd: "Extra notification messages sent with BARRIER=1, ignoring
    // everything." The barrier's fd is closed either way; nothing else applies.
    void finish_barrier(const std::vector<Assignment>& all) {
        if (!message.barrier || all.size() == 1) return;
        NotifyMessage only_barrier;
        only_barrier.barrier = true;
        for (const Assignment& a : all) {
            if (a.key == "BARRIER" && a.value == "1") continue;
            only_barrier.ignored.push_back(printable(a.line) + ": sent with BARRIER=1");
        }
        message = std::move(only_barrier);
    }

  private:
    void flag(const Assignment& a, bool& field) {
        // Exact match like systemd's strv_contains(tags, "READY=1"): READY=0 or
        // READY=yes mean nothing.
        if (a.value == "1")
            field = true;
        else
            ignore(a, "only =1 is understood");
    }
    void ignore(const Assignment& a, std::string_view why) {
        message.ignored.push_back(printable(a.line) + ": " + std::string(why));
    }

    std::vector<std::string_view> seen_;
};

}  // namespace

bool is_valid_fd_name(std::string_view name) {
    if (name.empty() || name.size() > limits::kMaxFdNameLength) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return c >= 0x20 && c <= 0x7e && c != ':'; });
}

Result<NotifyMessage> parse_notify_message(std::string_view text) {
    const auto reject = [](std::string detail) {
        return plain_error("parse", "notify message", std::move(detail));
    };
    if (text.size() > limits::kMaxNotifyMessageBytes)
        return reject("larger than " + std::to_string(limits::kMaxNotifyMessageBytes) + " bytes");
    // A NUL would cut the text short for any C consumer; systemd drops such messages.
    if (text.find('\0') != std::string_view::npos) return reject("contains a NUL byte");

    std::vector<Assignment> assignments;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t nl = text.find('\n');
        const std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        // Empty lines (a trailing newline, "A=1\n\nB=2") carry nothing; systemd's
        // strv_split_newlines() yields them too and they match no key.
        if (line.empty()) continue;
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos)
            return reject("line " + std::to_string(line_number) + " has no '='");
        if (eq == 0) return reject("line " + std::to_string(line_number) + " has an empty key");
        assignments.push_back({line, line.substr(0, eq), line.substr(eq + 1)});
    }
    if (assignments.empty()) return reject("empty message");

    Parser parser;
    for (const Assignment& a : assignments) parser.apply(a);
    parser.finish_barrier(assignments);
    return std::move(parser.message);
}

}  // namespace sv::activation
