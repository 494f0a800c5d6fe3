// The extra paths that point at a pathname socket (`symlinks = [...]`): created
// atomically, removed only while they still point at the socket. Never follows a
// symlink, never replaces a directory.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "unit/unit.hpp"

namespace sv::net {

// Create every symlink in spec.symlinks pointing at spec.address.path. Returns the
// links now owned by this listener (created, or already pointing at the socket). On
// failure the links created in this call are removed again.
Result<std::vector<std::string>> create_symlinks(const unit::ListenSpec& spec);

// Remove `link` if it is still a symlink whose target is exactly `target`.
void remove_symlink_if_ours(const std::string& link, const std::string& target);

}  // namespace sv::net
