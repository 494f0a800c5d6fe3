// sockvisorctl's exit codes (SPEC §1.2), named once. Only constants.
#pragma once

namespace sv::control::exit_code {

inline constexpr int kOk = 0;
inline constexpr int kFailure = 1;     // daemon unreachable, refused, malformed reply, other errors
inline constexpr int kUsage = 2;       // bad command line (CLI11's message is printed)
inline constexpr int kNotHealthy = 3;  // status: a unit is not listening/starting/running;
                                       // reload: a unit file was invalid
inline constexpr int kNoSuchUnit = 4;  // a named unit does not exist

}  // namespace sv::control::exit_code
