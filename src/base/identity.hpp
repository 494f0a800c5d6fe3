// User and group lookup (names or numeric ids) through NSS. The only place that
// calls getpwnam_r/getgrnam_r, so tests and callers see one behaviour.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace sv {

struct UserInfo {
    uid_t uid = 0;
    gid_t primary_gid = 0;
    std::string name;
    std::string home;
};

// "www-data" or "33". A numeric id that has no passwd entry is accepted (as
// systemd and chown do) with name == the number and home "/".
std::optional<UserInfo> lookup_user(const std::string& name_or_id);
std::optional<gid_t> lookup_group(const std::string& name_or_id);

std::string user_name(uid_t uid);   // name, or the number when unknown
std::string group_name(gid_t gid);  // name, or the number when unknown

// The user's own groups (primary first), as initgroups would set them.
std::vector<gid_t> groups_of(const UserInfo& user);

}  // namespace sv
