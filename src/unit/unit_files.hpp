// The bytes of unit files and the listing of unit directories. Reads the
// filesystem; knows nothing of TOML. Problems become whole-file diagnostics.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "unit/diagnostic.hpp"

namespace sv::unit {

// "dir" + "/" + name, without a doubled slash.
std::string join(const std::string& dir, const std::string& name);

// The names of the *.toml entries of `dir` (not ".toml" alone), sorted; nullopt
// after a diagnostic on the directory.
std::optional<std::vector<std::string>> list_unit_files(const std::string& dir, Diagnostics& out);

// The file's text. A file over limits::kMaxUnitFileBytes is refused from its size
// without being read, and reading stops past the limit if it grows meanwhile.
// nullopt after a diagnostic (missing, unreadable, not a regular file, too big).
std::optional<std::string> read_unit_text(const std::string& file, Diagnostics& out);

}  // namespace sv::unit
