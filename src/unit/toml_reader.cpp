#include "unit/toml_reader.hpp"

#include <cstdio>
#include <limits>

#include "base/limits.hpp"
#include "base/mode.hpp"
#include "unit/names.hpp"
#include "unit/suggest.hpp"

namespace sv::unit {
namespace {

std::string octal(int64_t value, std::string_view prefix) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llo", static_cast<unsigned long long>(value));
    return std::string(prefix) + buf;
}

std::string key_is(const Entry& e) {
    return "key '" + escaped(e.name()) + "' ";
}

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

// "24h": the longest duration a unit may declare, as the user would write it.
std::string max_duration_text() {
    return format_duration(limits::kMaxDuration);
}

}  // namespace

SourcePos position(const toml::source_region& region) {
    return SourcePos{static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string type_phrase(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::none:
            return "nothing";
    }
    return "an unknown value";
}

std::optional<Entry> find_entry(const toml::table& table, std::string_view name) {
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return Entry{&it->first, &it->second};
}

void Reader::error(SourcePos pos, std::string message) {
    out_.push_back(Diagnostic{file_, pos, std::move(message)});
    ++errors_;
}

void Reader::reject_unknown_keys(const toml::table& table, Section section) {
    for (const auto& [key, node] : table) {
        if (is_known_key(section, key.str())) continue;
        std::string message =
            "unknown key '" + escaped(key.str()) + "' in " + std::string(section_title(section));
        if (auto hint = suggest_key(section, key.str()))
            message += "; did you mean '" + std::string(*hint) + "'?";
        error(position(key), std::move(message));
    }
}

std::optional<std::string> Reader::string(const Entry& e) {
    const auto* s = e.node->as_string();
    if (!s) {
        error(e.value_pos(), key_is(e) + "must be a string, not " + type_phrase(*e.node));
        return std::nullopt;
    }
    if (has_nul(s->get())) {
        error(e.value_pos(), key_is(e) + "must not contain a NUL byte (\\u0000)");
        return std::nullopt;
    }
    return s->get();
}

std::optional<bool> Reader::boolean(const Entry& e) {
    if (const auto* b = e.node->as_boolean()) return b->get();
    error(e.value_pos(),
          key_is(e) + "must be a boolean (true or false), not " + type_phrase(*e.node));
    return std::nullopt;
}

std::optional<int64_t> Reader::integer(const Entry& e, int64_t min, int64_t max) {
    const auto* i = e.node->as_integer();
    if (!i) {
        error(e.value_pos(), key_is(e) + "must be an integer, not " + type_phrase(*e.node));
        return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
        error(e.value_pos(), key_is(e) + "must be between " + std::to_string(min) + " and " +
                                 std::to_string(max) + ", not " + std::to_string(i->get()));
        return std::nullopt;
    }
    return i->get();
}

std::optional<mode_t> Reader::mode(const Entry& e, mode_t max, std::string_view example) {
    if (const auto* s = e.node->as_string()) {
        if (auto m = parse_mode(s->get(), max)) return m;
        error(e.value_pos(), key_is(e) + "must be an octal mode from \"0000\" to \"" +
                                 octal(max, "0") + "\", not \"" + escaped(s->get()) + "\"");
        return std::nullopt;
    }
    // "0660" → 0o660: the same mode as a TOML octal integer.
    const std::string as_octal = "0o" + std::string(example.substr(example.find_first_not_of('0')));
    if (const auto* i = e.node->as_integer()) {
        const int64_t v = i->get();
        const bool written_octal =
            (i->flags() & toml::value_flags::format_as_octal) == toml::value_flags::format_as_octal;
        if (!written_octal && v != 0) {
            error(e.value_pos(), key_is(e) + "must be written in octal (\"" + std::string(example) +
                                     "\" or " + as_octal + "), not as the integer " +
                                     std::to_string(v));
            return std::nullopt;
        }
        if (v < 0 || v > static_cast<int64_t>(max)) {
            error(e.value_pos(), key_is(e) + "must be an octal mode from 0o0 to " +
                                     octal(max, "0o") + ", not " + octal(v, "0o"));
            return std::nullopt;
        }
        return static_cast<mode_t>(v);
    }
    error(e.value_pos(), key_is(e) + "must be an octal mode: a string (\"" + std::string(example) +
                             "\") or an integer (" + as_octal + "), not " + type_phrase(*e.node));
    return std::nullopt;
}

std::optional<Duration> Reader::duration(const Entry& e) {
    if (const auto* s = e.node->as_string()) {
        if (auto d = parse_duration(s->get())) return d;
        error(e.value_pos(), key_is(e) +
                                 "must be a duration such as \"250ms\", \"10s\", "
                                 "\"2min\" or \"1h\" (at most " +
                                 max_duration_text() + "), not \"" + escaped(s->get()) + "\"");
        return std::nullopt;
    }
    if (e.node->is_number()) {
        const double seconds = e.node->is_integer()
                                   ? static_cast<double>(e.node->as_integer()->get())
                                   : e.node->as_floating_point()->get();
        if (auto d = duration_from_seconds(seconds)) return d;
        char shown[32];
        if (e.node->is_integer())
            std::snprintf(shown, sizeof shown, "%lld",
                          static_cast<long long>(e.node->as_integer()->get()));
        else
            std::snprintf(shown, sizeof shown, "%g", seconds);
        error(e.value_pos(), key_is(e) + "must be a number of seconds from 0 to " +
                                 std::to_string(limits::kMaxDuration.count() / 1000) + " (" +
                                 max_duration_text() + "), not " + std::string(shown));
        return std::nullopt;
    }
    error(e.value_pos(), key_is(e) +
                             "must be a duration: a number of seconds or a string "
                             "such as \"10s\", not " +
                             type_phrase(*e.node));
    return std::nullopt;
}

std::optional<std::vector<std::string>> Reader::string_array(const Entry& e) {
    const auto* array = e.node->as_array();
    if (!array) {
        error(e.value_pos(),
              key_is(e) + "must be an array of strings, not " + type_phrase(*e.node));
        return std::nullopt;
    }
    std::vector<std::string> values;
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string where = escaped(e.name()) + "[" + std::to_string(i) + "] ";
        if (const auto* s = element.as_string(); !s) {
            error(position(element), where + "must be a string, not " + type_phrase(element));
            ok = false;
        } else if (has_nul(s->get())) {
            error(position(element), where + "must not contain a NUL byte (\\u0000)");
            ok = false;
        } else {
            values.push_back(s->get());
        }
    }
    if (!ok) return std::nullopt;
    return values;
}

std::optional<std::string> Reader::name_or_id(const Entry& e) {
    // (uid_t)-1 means "unchanged" to chown and setresuid, so it is never an id.
    constexpr int64_t kMaxId = std::numeric_limits<uint32_t>::max() - 1;
    if (e.node->is_string()) {
        auto s = string(e);
        if (s && s->empty()) {
            error(e.value_pos(), key_is(e) + "must not be empty");
            return std::nullopt;
        }
        return s;
    }
    if (const auto* i = e.node->as_integer()) {
        if (i->get() >= 0 && i->get() <= kMaxId) return std::to_string(i->get());
        error(e.value_pos(), key_is(e) + "must be a numeric id from 0 to " +
                                 std::to_string(kMaxId) + ", not " + std::to_string(i->get()));
        return std::nullopt;
    }
    error(e.value_pos(), key_is(e) +
                             "must be a name (a string) or a numeric id (an integer), not " +
                             type_phrase(*e.node));
    return std::nullopt;
}

std::optional<std::string> Reader::choice_text(const Entry& e,
                                               std::span<const std::string_view> names) {
    auto text = string(e);
    if (!text) return std::nullopt;
    for (std::string_view name : names)
        if (name == *text) return text;
    // Appended piece by piece: `"\"" + std::string(name) + "\""` makes g++ 12 at -O3
    // report a false -Wrestrict inside char_traits (an error under -Werror).
    std::string message = key_is(e) + "must be one of ";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) message += i + 1 == names.size() ? " or " : ", ";
        message.append("\"").append(names[i]).append("\"");
    }
    message.append(", not \"").append(escaped(*text)).append("\"");
    if (auto hint = closest_match(*text, names))
        message.append("; did you mean \"").append(*hint).append("\"?");
    error(e.value_pos(), std::move(message));
    return std::nullopt;
}

}  // namespace sv::unit
