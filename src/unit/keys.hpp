// The table of every key a unit file may contain, per section. The loader
// rejects anything not listed here (with a "did you mean" from this table), and
// the tests check that docs/units.md documents every entry.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace sv::unit {

enum class Section { top, listen, service };

struct KeyInfo {
    Section section;
    std::string_view name;
    std::string_view type;           // as docs/units.md states it
    std::string_view default_value;  // "required" for mandatory keys
};

// Every key, in documentation order.
std::span<const KeyInfo> unit_keys();

// "the top level", "[[listen]]", "[service]": how messages name a section.
std::string_view section_title(Section section);

bool is_known_key(Section section, std::string_view name);

// The known key of `section` closest to a misspelt `name`, if any is close.
std::optional<std::string_view> suggest_key(Section section, std::string_view name);

}  // namespace sv::unit
