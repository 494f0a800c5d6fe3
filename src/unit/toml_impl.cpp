// toml++'s implementation, compiled once into sockvisor (every other file includes
// toml++ with TOML_HEADER_ONLY=0, see CMakeLists.txt): no shared libtomlplusplus,
// and so no shared libstdc++ needed for it (docs/design.md "Memory").
#define TOML_IMPLEMENTATION
#include "unit/tomlpp.hpp"
