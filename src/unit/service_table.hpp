// The [service] table → ServiceSpec: every key's type and range, exec[0]
// resolved against PATH, user and groups resolved through NSS, and the checks
// between keys of the table (restart_delay <= restart_delay_max, ...).
#pragma once

#include <optional>

#include "unit/tomlpp.hpp"

#include "unit/loader.hpp"
#include "unit/toml_reader.hpp"
#include "unit/unit.hpp"

namespace sv::unit {

// Records every problem through `r`; nullopt when there was any.
std::optional<ServiceSpec> read_service(Reader& r, const toml::table& table,
                                        const LoadContext& ctx);

}  // namespace sv::unit
