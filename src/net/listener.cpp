// bind_listener/release_listener/adopt_listener: dispatch to the per-family binders and
// own the release rule (unlink only our own inode). Never logs; never unlinks a path
// for an adopted listener.
#include "net/listener.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "net/binders.hpp"
#include "net/bound_inode.hpp"
#include "net/directories.hpp"
#include "net/symlinks.hpp"

namespace sv::net {

Result<BoundListener> bind_listener(const unit::ListenSpec& spec) {
    BindSession session;
    return bind_listener(spec, session);
}

namespace {

Result<BoundListener> bind_once(const unit::ListenSpec& spec, BindSession& session) {
    switch (spec.address.family) {
        case Family::unix_path: {
            auto bound = bind_unix_path(spec, session);
            if (!bound) return bound;
            auto links = create_symlinks(spec);
            if (!links) {
                release_listener(*bound, true);
                return links.error();
            }
            bound->symlinks_created = std::move(*links);
            return bound;
        }
        case Family::unix_abstract:
            return bind_abstract(spec);
        case Family::tcp:
        case Family::udp:
            return bind_inet(spec);
    }
    return plain_error("bind", spec.address_text, "unknown address family");
}

}  // namespace

Result<BoundListener> bind_listener(const unit::ListenSpec& spec, BindSession& session) {
    auto bound = bind_once(spec, session);
    // Out of fds with directories cached: they are ours to give back (a failed bind
    // leaves nothing behind, so it can simply run again).
    if (!bound && (bound.error().err == EMFILE || bound.error().err == ENFILE) && session.release())
        bound = bind_once(spec, session);
    return bound;
}

void release_listener(BoundListener& listener, bool unlink_paths) {
    listener.fd.reset();
    const unit::ListenSpec& spec = listener.spec;
    if (!unlink_paths || !spec.remove_on_stop || listener.adopted ||
        spec.address.family != Family::unix_path)
        return;
    const std::string& path = spec.address.path;
    for (const auto& link : listener.symlinks_created) remove_symlink_if_ours(link, path);
    listener.symlinks_created.clear();
    if (listener.ino == 0) return;

    auto dir = open_parent_directory(path, std::nullopt);
    if (!dir) return;
    const std::string name = split_path(path).name;
    struct stat st {};
    // Only our own inode: whoever replaced the file since (a new instance, an admin)
    // keeps theirs.
    if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISSOCK(st.st_mode) && st.st_dev == listener.dev && st.st_ino == listener.ino)
        ::unlinkat(dir->get(), name.c_str(), 0);
    listener.dev = 0;
    listener.ino = 0;
}

BoundListener adopt_listener(Fd fd, const unit::ListenSpec& spec) {
    BoundListener b;
    if (spec.address.family == Family::unix_path) {
        if (auto id = bound_path_inode(fd.get())) {
            b.dev = id->dev;
            b.ino = id->ino;
        }
    }
    b.fd = std::move(fd);
    b.spec = spec;
    b.adopted = true;
    return b;
}

}  // namespace sv::net
