// [service] user, group and supplementary_groups → the uid, gid and group list
// the spawner sets (setgroups, setgid, setuid). Names and ids are resolved
// through NSS at load time, so an unknown name is a load error, not a failed start.
#pragma once

#include "unit/tomlpp.hpp"

#include "unit/toml_reader.hpp"
#include "unit/unit.hpp"

namespace sv::unit {

// Fills spec.user/group/supplementary_groups (as declared) and spec.uid/gid/
// groups (resolved). With `user` and no `group`, gid is the user's primary
// group; groups = the user's own groups, then the declared supplementary ones
// (duplicates dropped). Returns false after recording diagnostics through `r`.
bool resolve_identity(Reader& r, const toml::table& service, ServiceSpec& spec);

}  // namespace sv::unit
