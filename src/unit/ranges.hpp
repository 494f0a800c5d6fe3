// Bounds on unit-file values that only the loader checks, each with the reason
// for its number. The limits shared with other modules live in base/limits.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sv::unit::ranges {

// listen(2) takes an int, but the kernel clamps it to net.core.somaxconn, which
// was a u16 until Linux 5.4; 65535 is the largest backlog that means the same
// on every kernel sockvisor supports.
inline constexpr int64_t kMaxBacklog = 65535;
// SO_RCVBUF/SO_SNDBUF: the kernel doubles the value and clamps it to
// rmem_max/wmem_max; 1 GiB is far past any sysctl in practice and keeps the
// doubled value inside an int.
inline constexpr int64_t kMaxSocketBuffer = int64_t{1} << 30;
// FDSTORE=1: every stored fd is held open by sockvisord and counts against its
// RLIMIT_NOFILE; 1024 is the soft limit on most systems.
inline constexpr int64_t kMaxFdStore = 1024;
// start_limit_burst: more starts than this within an interval is a crash loop
// by any measure; the bound only keeps the value inside an int.
inline constexpr int64_t kMaxStartLimitBurst = 1'000'000;
// Extra symlinks per listener: each is a filesystem entry created and removed
// with the socket. Nobody needs more than a handful.
inline constexpr std::size_t kMaxSymlinksPerListener = 64;
// environment entries: bounded so the child's envp stays far below ARG_MAX.
inline constexpr std::size_t kMaxEnvironmentEntries = 1024;
// working_directory and exec[0]: PATH_MAX.
inline constexpr std::size_t kMaxPathLength = 4096;

}  // namespace sv::unit::ranges
