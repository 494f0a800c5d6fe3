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

    void key(std::string_view k) {  // keys are literals below: plain by construction
        out_ += '"';
        out_.append(k);
        out_.append("\":");
    }

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
    std::string& out_;
};

// Field order and null-for-absent exactly as to_json() in status.cpp.
void write_last_exit(Writer& w, const LastExit& e) {
    w.raw("{");
    w.key("code");
    w.optional_integer(e.code);
    w.raw(",");
    w.key("signal");
    w.optional_string(e.signal);
    w.raw(",");
    w.key("at");
    w.number(e.at);
    w.raw("}");
}

void write_listen(Writer& w, const ListenStatus& l) {
    w.raw("{");
    w.key("address");
    w.string(l.address);
    w.raw(",");
    w.key("type");
    w.string(l.type);
    w.raw(",");
    w.key("name");
    w.string(l.name);
    w.raw(",");
    w.key("mode");
    w.optional_string(l.mode);
    w.raw(",");
    w.key("owner");
    w.optional_string(l.owner);
    w.raw(",");
    w.key("group");
    w.optional_string(l.group);
    w.raw(",");
    w.key("fd");
    w.integer(l.fd);
    w.raw("}");
}

void write_unit(Writer& w, const UnitStatus& u) {
    w.raw("{");
    w.key("name");
    w.string(u.name);
    w.raw(",");
    w.key("state");
    w.string(u.state);
    w.raw(",");
    w.key("pid");
    w.optional_integer(u.pid);
    w.raw(",");
    w.key("since");
    w.optional_number(u.since);
    w.raw(",");
    w.key("uptime_s");
    w.optional_number(u.uptime_s);
    w.raw(",");
    w.key("restarts");
    w.integer(u.restarts);
    w.raw(",");
    w.key("accepted");
    w.optional_integer(u.accepted);
    w.raw(",");
    w.key("active");
    w.optional_integer(u.active);
    w.raw(",");
    w.key("status_text");
    w.optional_string(u.status_text);
    w.raw(",");
    w.key("last_exit");
    w.or_null(u.last_exit, [&w](const LastExit& e) { write_last_exit(w, e); });
    w.raw(",");
    w.key("listen");
    w.raw("[");
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
