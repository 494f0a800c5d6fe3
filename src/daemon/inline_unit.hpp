// Inline mode (`--listen ADDR ... -- COMMAND`): the flags become one unit, built
// as TOML and validated by the same loader as unit files, so both paths accept
// and reject exactly the same things.
#pragma once

#include <optional>
#include <string>

#include "daemon/options.hpp"
#include "unit/loader.hpp"

namespace sv::daemon {

// The TOML text of the implicit unit (exposed for tests).
std::string inline_unit_toml(const InlineOptions& in);

// The implicit unit's name: COMMAND's base name, reduced to [A-Za-z0-9_.-]{1,64}.
std::string inline_unit_name(const InlineOptions& in);

std::optional<unit::Unit> load_inline_unit(const InlineOptions& in, const unit::LoadContext& ctx,
                                           unit::Diagnostics& out);

}  // namespace sv::daemon
