// toml++, configured once for all of sockvisor: every file includes it from here.
//
// Its parser guards many steps with TOML_ASSERT / TOML_ASSERT_ASSUME on the input
// (e.g. parse_key() "assumes" a key character after '['), and follows them with its
// own error branch for when the assumption is wrong. Debian builds it with NDEBUG
// and g++, where both are no-ops, so a malformed unit gets that error. Compiled
// from the headers in our Debug build the assertion would abort instead, and with
// clang the assumption would become __builtin_assume(), undefined behaviour. Both
// are turned off here, so every build parses as the release build does; the fuzzer
// (ASan + UBSan) checks that those error branches are safe. docs/security.md, F2.
#pragma once

#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>
