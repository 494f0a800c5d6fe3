// Symlink creation (symlinkat to a temporary name + renameat) and removal. Owns the
// symlink overwrite rule; must never remove or replace a directory or anything that
// does not point at the socket unless overwrite = "always".
#include "net/symlinks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "net/directories.hpp"
#include "net/stale_entry.hpp"

namespace sv::net {
namespace {

std::optional<std::string> read_link(int dirfd, const std::string& name) {
    char buf[4096];
    ssize_t n = ::readlinkat(dirfd, name.c_str(), buf, sizeof buf);
    if (n < 0 || static_cast<size_t>(n) >= sizeof buf) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

std::string temp_name(const std::string& name) {
    static std::atomic<unsigned> counter{0};
    return "." + name + ".sv-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

enum class Outcome { created, kept };

Result<Outcome> create_one(const std::string& link, const unit::ListenSpec& spec) {
    const std::string& target = spec.address.path;
    auto dir = open_parent_directory(link, spec.directory_mode);
    if (!dir) return dir.error();
    const int dirfd = dir->get();
    const std::string name = split_path(link).name;

    struct stat st {};
    bool exists = ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && S_ISLNK(st.st_mode) && read_link(dirfd, name) == target)
        return Outcome::kept;  // already ours (e.g. left by a killed sockvisord)
    if (exists && (spec.overwrite != unit::Overwrite::always || S_ISDIR(st.st_mode))) {
        return plain_error("create symlink", link,
                           "'" + link + "' exists and is " + describe_entry(dirfd, name) +
                               "; not replacing it (overwrite = \"" +
                               std::string(unit::to_string(spec.overwrite)) + "\")");
    }

    // Build the link under a temporary name and rename it into place: the path is never
    // missing (always) and never a half-made link. renameat replaces the entry itself
    // and never follows a symlink at the destination.
    const std::string tmp = temp_name(name);
    if (::symlinkat(target.c_str(), dirfd, tmp.c_str()) < 0)
        return sys_error("create symlink", link, errno);
    // Without overwrite permission, RENAME_NOREPLACE keeps whatever appeared meanwhile.
    unsigned flags = exists ? 0 : RENAME_NOREPLACE;
    if (::renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), flags) < 0) {
        int err = errno;
        ::unlinkat(dirfd, tmp.c_str(), 0);
        return sys_error("create symlink", link, err);
    }
    return Outcome::created;
}

}  // namespace

Result<std::vector<std::string>> create_symlinks(const unit::ListenSpec& spec) {
    std::vector<std::string> owned, created;
    for (const std::string& link : spec.symlinks) {
        auto r = create_one(link, spec);
        if (!r) {
            for (const auto& c : created) remove_symlink_if_ours(c, spec.address.path);
            return r.error();
        }
        owned.push_back(link);
        if (*r == Outcome::created) created.push_back(link);
    }
    return owned;
}

void remove_symlink_if_ours(const std::string& link, const std::string& target) {
    auto dir = open_parent_directory(link, std::nullopt);
    if (!dir) return;
    const std::string name = split_path(link).name;
    struct stat st {};
    if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
        return;
    if (read_link(dir->get(), name) != target) return;
    ::unlinkat(dir->get(), name.c_str(), 0);
}

}  // namespace sv::net
