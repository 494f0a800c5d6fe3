#include "base/identity.hpp"

#include <grp.h>
#include <pwd.h>

#include <charconv>

namespace sv {
namespace {

std::optional<unsigned long> parse_id(const std::string& s) {
    unsigned long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    // (uid_t)-1 means "no change" to chown/setresuid: never a valid identity.
    if (v >= 0xffffffffUL) return std::nullopt;
    return v;
}

}  // namespace

std::optional<UserInfo> lookup_user(const std::string& name_or_id) {
    char buf[16384];
    passwd pw{}, *res = nullptr;
    if (auto id = parse_id(name_or_id)) {
        if (getpwuid_r(static_cast<uid_t>(*id), &pw, buf, sizeof buf, &res) == 0 && res)
            return UserInfo{pw.pw_uid, pw.pw_gid, pw.pw_name, pw.pw_dir};
        return UserInfo{static_cast<uid_t>(*id), static_cast<gid_t>(*id), name_or_id, "/"};
    }
    if (getpwnam_r(name_or_id.c_str(), &pw, buf, sizeof buf, &res) == 0 && res)
        return UserInfo{pw.pw_uid, pw.pw_gid, pw.pw_name, pw.pw_dir};
    return std::nullopt;
}

std::optional<gid_t> lookup_group(const std::string& name_or_id) {
    if (auto id = parse_id(name_or_id)) return static_cast<gid_t>(*id);
    char buf[16384];
    group gr{}, *res = nullptr;
    if (getgrnam_r(name_or_id.c_str(), &gr, buf, sizeof buf, &res) == 0 && res) return gr.gr_gid;
    return std::nullopt;
}

std::string user_name(uid_t uid) {
    char buf[16384];
    passwd pw{}, *res = nullptr;
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) return pw.pw_name;
    return std::to_string(uid);
}

std::string group_name(gid_t gid) {
    char buf[16384];
    group gr{}, *res = nullptr;
    if (getgrgid_r(gid, &gr, buf, sizeof buf, &res) == 0 && res) return gr.gr_name;
    return std::to_string(gid);
}

std::vector<gid_t> groups_of(const UserInfo& user) {
    int n = 64;
    std::vector<gid_t> groups(static_cast<size_t>(n));
    while (getgrouplist(user.name.c_str(), user.primary_gid, groups.data(), &n) < 0) {
        groups.resize(static_cast<size_t>(n) + 16);
        n = static_cast<int>(groups.size());
    }
    groups.resize(static_cast<size_t>(n));
    return groups;
}

}  // namespace sv
