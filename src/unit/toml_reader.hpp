// Typed reads of TOML values with diagnostics: each read checks the node's type
// and range and, on a mistake, records a Diagnostic at the value's position and
// returns nullopt, so callers read every key and every problem is reported.
// Wraps toml++; the rest of the loader sees only these helpers and toml nodes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "unit/tomlpp.hpp"

#include "base/duration.hpp"
#include "unit/diagnostic.hpp"
#include "unit/keys.hpp"

namespace sv::unit {

SourcePos position(const toml::source_region& region);
inline SourcePos position(const toml::node& node) {
    return position(node.source());
}
inline SourcePos position(const toml::key& key) {
    return position(key.source());
}

// "a string", "an integer", "a table", ...: the article and the TOML type.
std::string type_phrase(const toml::node& node);

// One key = value of a table, found by name.
struct Entry {
    const toml::key* key = nullptr;
    const toml::node* node = nullptr;
    std::string_view name() const { return key->str(); }
    SourcePos key_pos() const { return position(*key); }
    SourcePos value_pos() const { return position(*node); }
};

std::optional<Entry> find_entry(const toml::table& table, std::string_view name);

template <class E>
using Choices = std::span<const std::pair<std::string_view, E>>;

class Reader {
  public:
    Reader(std::string file, Diagnostics& out) : file_(std::move(file)), out_(out) {}

    void error(SourcePos pos, std::string message);
    const std::string& file() const { return file_; }
    std::size_t error_count() const { return errors_; }

    // Every key of `table` not in the key table: "unknown key 'mdoe' in [[listen]];
    // did you mean 'mode'?".
    void reject_unknown_keys(const toml::table& table, Section section);

    // Each returns nullopt after recording a diagnostic. Strings never hold a NUL.
    std::optional<std::string> string(const Entry& e);
    std::optional<bool> boolean(const Entry& e);
    std::optional<int64_t> integer(const Entry& e, int64_t min, int64_t max);
    // Octal: "0660", "660", or an integer written 0o660 (a decimal integer other
    // than 0 is refused: `mode = 660` is almost always meant as octal).
    // `example` ("0660") shows the user the expected form.
    std::optional<mode_t> mode(const Entry& e, mode_t max, std::string_view example);
    // A number of seconds (integer or float) or a string such as "250ms".
    std::optional<Duration> duration(const Entry& e);
    std::optional<std::vector<std::string>> string_array(const Entry& e);
    // A user or group: a name (string) or a numeric id (integer or digits).
    std::optional<std::string> name_or_id(const Entry& e);
    // A string that must be one of `choices`.
    template <class E>
    std::optional<E> choice(const Entry& e, Choices<E> choices);

  private:
    std::optional<std::string> choice_text(const Entry& e, std::span<const std::string_view> names);

    std::string file_;
    Diagnostics& out_;
    std::size_t errors_ = 0;
};

template <class E>
std::optional<E> Reader::choice(const Entry& e, Choices<E> choices) {
    std::vector<std::string_view> names;
    for (const auto& c : choices) names.push_back(c.first);
    auto text = choice_text(e, names);
    if (!text) return std::nullopt;
    for (const auto& c : choices)
        if (c.first == *text) return c.second;
    return std::nullopt;
}

}  // namespace sv::unit
