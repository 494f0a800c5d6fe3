#include "net/bind_session.hpp"

#include "net/directories.hpp"

namespace sv::net {

const Credentials& BindSession::credentials() {
    if (!credentials_) credentials_ = current_credentials();
    return *credentials_;
}

bool BindSession::release() {
    const bool held = !directories_.empty();
    directories_.clear();
    return held;
}

Result<const BindSession::Directory*> BindSession::parent_directory(
    const std::string& absolute_path, std::optional<mode_t> create_mode) {
    std::string parent = split_path(absolute_path).parent;
    if (auto it = directories_.find(parent); it != directories_.end()) return &it->second;
    auto fd = open_parent_directory(absolute_path, create_mode);
    if (!fd) return fd.error();
    if (directories_.size() >= kMaxDirectories) directories_.clear();
    DirectoryFacts facts = inspect_directory(fd->get());
    auto [it, _] = directories_.emplace(std::move(parent), Directory{std::move(*fd), facts});
    return &it->second;
}

}  // namespace sv::net
