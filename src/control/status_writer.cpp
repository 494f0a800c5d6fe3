#include "control/status_writer.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

namespace sv::control {
namespace {

using json = nlohmann::ordered_json;

// Printable ASCII other than '"' and '\\' is written as is by dump(); anything else
// (control bytes, UTF-8 that must be checked, invalid bytes to replace) is left
// to nlohmann's escaper. Names, states, addresses and modes are plain ASCII, so
// the slow path is for the odd STATUS= text or file name.
bool is_plain(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    return true;
}

class Writer {
  public:
    explicit Writer(std::string& out) : out_(out) {}

    void raw(std::string_view text) { out_.append(text); }

    // `{"k":` opens an object with its first member, `,"k":` adds the next one. The
    // keys are literals below: plain by construction.
    Writer& first_key(std::string_view k) { return key("{\"", k); }
    Writer& next_key(std::string_view k) { return key(",\"", k); }

    void string(std::string_view s) {
        if (is_plain(s)) {
            out_ += '"';
            out_.append(s);
            out_ += '"';
        } else {
            out_.append(json(s).dump(-1, ' ', false, json::error_handler_t::replace));
        }
    }

    template <class Int>
    void integer(Int v) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, r.ptr);
    }

    // dump()'s own shortest round-trip form (Grisu2, "1.0" for whole numbers,
    // null for NaN and infinities).
    void number(double v) {
        if (!std::isfinite(v)) return raw("null");
        char buf[64];
        char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, end);
    }

    template <class T, class Fn>
    void or_null(const std::optional<T>& v, Fn write) {
        if (v)
            write(*v);
        else
            raw("null");
    }

    void optional_string(const std::optional<std::string>& v) {
        or_null(v, [this](const std::string& s) { string(s); });
    }
    void optional_number(const std::optional<double>& v) {
        or_null(v, [this](double d) { number(d); });
    }
    template <class Int>
    void optional_integer(const std::optional<Int>& v) {
        or_null(v, [this](Int i) { integer(i); });
    }

  private:
    Writer& key(std::string_view before, std::string_view k) {
        out_.append(before);
        out_.append(k);
        out_.append("\":");
        return *this;
    }

    std::string& out_;
};

// Field order and null-for-absent exactly as to_json() in status.cpp.
void write_last_exit(Writer& w, const LastExit& e) {
    w.first_key("code").optional_integer(e.code);
    w.next_key("signal").optional_string(e.signal);
    w.next_key("at").number(e.at);
    w.raw("}");
}

void write_listen(Writer& w, const ListenStatus& l) {
    w.first_key("address").string(l.address);
    w.next_key("type").string(l.type);
    w.next_key("name").string(l.name);
    w.next_key("mode").optional_string(l.mode);
    w.next_key("owner").optional_string(l.owner);
    w.next_key("group").optional_string(l.group);
    w.next_key("fd").integer(l.fd);
    w.raw("}");
}

void write_unit(Writer& w, const UnitStatus& u) {
    w.first_key("name").string(u.name);
    w.next_key("state").string(u.state);
    w.next_key("pid").optional_integer(u.pid);
    w.next_key("since").optional_number(u.since);
    w.next_key("uptime_s").optional_number(u.uptime_s);
    w.next_key("restarts").integer(u.restarts);
    w.next_key("accepted").optional_integer(u.accepted);
    w.next_key("active").optional_integer(u.active);
    w.next_key("status_text").optional_string(u.status_text);
    w.next_key("last_exit").or_null(u.last_exit, [&w](const LastExit& e) {
        write_last_exit(w, e);
    });
    w.next_key("listen").raw("[");
    for (std::size_t i = 0; i < u.listen.size(); ++i) {
        if (i) w.raw(",");
        write_listen(w, u.listen[i]);
    }
    w.raw("]}");
}

}  // namespace

void append_status_array(std::string& out, const std::vector<UnitStatus>& units) {
    // ~300 bytes per unit with one socket: one allocation for the whole reply.
    out.reserve(out.size() + 2 + units.size() * 320);
    Writer w(out);
    w.raw("[");
    for (std::size_t i = 0; i < units.size(); ++i) {
        if (i) w.raw(",");
        write_unit(w, units[i]);
    }
    w.raw("]");
}

}  // namespace sv::control
