// One [[listen]] table → ListenSpec: every key's type and range, the address
// syntax, and which keys apply to which kind of address. Pure apart from the
// NSS lookups for owner and group.
#pragma once

#include <optional>
#include <string>

#include "unit/tomlpp.hpp"

#include "unit/loader.hpp"
#include "unit/toml_reader.hpp"
#include "unit/unit.hpp"

namespace sv::unit {

// Records every problem through `r`; nullopt when there was any.
std::optional<ListenSpec> read_listen(Reader& r, const toml::table& table,
                                      const std::string& unit_name, const LoadContext& ctx);

}  // namespace sv::unit
